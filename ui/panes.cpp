#include "panes.h"

#include "apikeyspane.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "mainwindow.h"
#include "organizationspane.h"
#include "rolespane.h"
#include "sessionspane.h"
#include "userspane.h"

namespace portcullis {

void addAllPanes(MainWindow* window, Backend* backend)
{
    auto* dashboard = new DashboardPane(backend, window);
    window->addPane(dashboard);
    window->addPane(new OrganizationsPane(backend, window));
    auto* users = new UsersPane(backend, window);
    window->addPane(users);
    auto* roles = new RolesPane(backend, window);
    window->addPane(roles);
    window->registerDialog(QStringLiteral("permission-codes"), [window, roles]() -> QDialog* {
        window->showPane(QStringLiteral("roles"));
        return roles->openPermissionCodes();
    });
    window->addPane(new ApiKeysPane(backend, window));
    auto* sessions = new SessionsPane(backend, window);
    window->addPane(sessions);
    auto* audit = new AuditPane(backend, window);
    window->addPane(audit);
    QObject::connect(users, &UsersPane::showSessionsRequested, window, [window, sessions](Id id, const QString& email) {
        window->showPane(QStringLiteral("sessions"));
        sessions->showForUser(id, email);
    });
    QObject::connect(users, &UsersPane::showAuditTrailRequested, window, [window, audit](Id id, const QString& email) {
        window->showPane(QStringLiteral("audit"));
        audit->showForUser(id, email);
    });
}

QStringList allPaneNames()
{
    return { QStringLiteral("dashboard"), QStringLiteral("organizations"), QStringLiteral("users"),
             QStringLiteral("roles"),     QStringLiteral("api-keys"),      QStringLiteral("sessions"),
             QStringLiteral("audit") };
}

} // namespace portcullis
