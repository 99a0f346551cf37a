#include "mainwindow.h"

#include "apikeyspane.h"
#include "deploymentsettingsdialog.h"
#include "detailsparts.h"
#include "displayformat.h"
#include "helpdialogs.h"
#include "keyboard.h"
#include "messagebox.h"
#include "pane.h"
#include "plaintext.h"
#include "preferencesdialog.h"
#include "userimportdialog.h"
#include "userspane.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPainter>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace portcullis {

MainWindow::MainWindow(Backend* backend, QWidget* parent)
    : QMainWindow(parent)
    , m_backend(backend)
{
    plaintext::install(); // data from the database is never rendered as markup
    display::loadPreferences(); // the date format and zone chosen in Preferences
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Portcullis"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/portcullis.svg")));
    // The first pane added becomes the current one at once; only the pane that is current when the
    // window's owner has chosen one (and shown the window) loads, and nothing waits for the others.
    QTimer::singleShot(0, this, [this] {
        m_started = true;
        if (Pane* p = currentPane(); p && !p->isLoaded())
            p->refresh();
    });
    buildNavigation();
    buildConnectionBanner();
    layOutCentral();
    buildStatusBar();
    connectBackend();
    createActions();
    createMenus();
    buildToolBar();
    resize(1280, 800);
}

void MainWindow::buildNavigation()
{
    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(QStringLiteral("navigationList"));
    m_navigation->setAccessibleName(tr("Sections"));
    m_navigation->setIconSize(QSize(22, 22));
    m_navigation->setSpacing(1);
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);

    m_stack = new QStackedWidget(this);
    m_stack->setObjectName(QStringLiteral("paneStack"));
}

// A warning over the panes while the deployment cannot be reached, with a countdown to the next
// attempt and a button to try at once.
void MainWindow::buildConnectionBanner()
{
    // Not modal: the window stays usable (and keeps what it shows) while the deployment is away.
    m_banner = new QFrame(this);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setAccessibleName(tr("Connection problem"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    QPalette warning = m_banner->palette();
    warning.setColor(QPalette::Window, QColor(0xff, 0xf0, 0xc2));
    warning.setColor(QPalette::WindowText, QColor(0x3d, 0x2e, 0x00));
    m_banner->setPalette(warning);
    auto* bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(12, 6, 8, 6);
    auto* bannerIcon = new QLabel(m_banner);
    bannerIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24));
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("connectionBannerText"));
    m_bannerText->setTextFormat(Qt::PlainText); // the reason carries the server's own words
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_bannerText->font();
    bold.setBold(true);
    m_bannerText->setFont(bold);
    m_bannerRetryText = new QLabel(m_banner);
    m_bannerRetryText->setObjectName(QStringLiteral("connectionBannerRetryText"));
    m_bannerRetryText->setTextFormat(Qt::PlainText);
    auto* texts = new QVBoxLayout;
    texts->setSpacing(2);
    texts->addWidget(m_bannerText);
    texts->addWidget(m_bannerRetryText);
    m_retryButton = new QPushButton(tr("Retry &Now"), m_banner);
    m_retryButton->setObjectName(QStringLiteral("connectionRetryButton"));
    m_retryButton->setAccessibleName(tr("Retry the connection now"));
    connect(m_retryButton, &QPushButton::clicked, this, &MainWindow::checkConnectionNow);
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    bannerLayout->addLayout(texts, 1);
    bannerLayout->addWidget(m_retryButton, 0, Qt::AlignVCenter);
    m_banner->hide();
    m_retryTimer = new QTimer(this);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &MainWindow::checkConnectionNow);
    m_countdownTimer = new QTimer(this);
    m_countdownTimer->setInterval(1000);
    connect(m_countdownTimer, &QTimer::timeout, this, &MainWindow::updateRetryText);
}

void MainWindow::layOutCentral()
{
    auto* central = new QWidget(this);
    auto* outer = new QVBoxLayout(central);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    outer->addWidget(m_banner);
    auto* layout = new QHBoxLayout;
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_navigation);
    layout->addWidget(m_stack, 1);
    outer->addLayout(layout, 1);
    setCentralWidget(central);
    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::onPaneChanged);
}

namespace {
// The connection in the status bar: a database path or a URL can be longer than a small window is
// wide, so it elides in the middle (the whole of it in the tooltip) instead of being cut off or
// widening the window, and asks for its whole width when there is room.
class ConnectionLabel : public details::ElidingLabel
{
public:
    using ElidingLabel::ElidingLabel;
    QSize sizeHint() const override
    {
        const QMargins margins = contentsMargins();
        return { fontMetrics().horizontalAdvance(fullText()) + margins.left() + margins.right() + 2 * margin(),
                 ElidingLabel::sizeHint().height() };
    }
};
} // namespace

// Where the console is connected and who is signed in.
void MainWindow::buildStatusBar()
{
    const Actor actor = m_backend ? m_backend->actor() : Actor();
    auto* connection = new ConnectionLabel(this);
    connection->setFullText(m_backend ? m_backend->describe() : tr("Not connected"));
    m_connectionLabel = connection;
    m_connectionLabel->setObjectName(QStringLiteral("connectionLabel"));
    m_adminLabel = new QLabel(this);
    m_adminLabel->setObjectName(QStringLiteral("adminLabel"));
    const QString role = actor.roleCodes.isEmpty() ? tr("no role") : actor.roleCodes.first();
    m_adminLabel->setText(tr("Signed in as %1 (%2)").arg(actor.email, role));
    statusBar()->addPermanentWidget(m_connectionLabel);
    statusBar()->addPermanentWidget(m_adminLabel);
}

void MainWindow::connectBackend()
{
    if (!m_backend)
        return;
    // Rights are re-derived by every call: a session ended elsewhere (ban, revocation) ends here
    // (the launcher returns to sign-in), and changed roles show at once.
    connect(m_backend.data(), &Backend::sessionEnded, this, [this](const QString& reason) {
        m_signedOut = true; // nothing left to sign out of
        statusBar()->showMessage(reason);
    });
    connect(m_backend.data(), &Backend::actorChanged, this, &MainWindow::onActorChanged);
    connect(m_backend.data(), &Backend::connectionLost, this, &MainWindow::onConnectionLost);
    connect(m_backend.data(), &Backend::connectionRestored, this, &MainWindow::onConnectionRestored);
}

// New, Delete, Refresh and the tenant switcher.
void MainWindow::buildToolBar()
{
    const Actor actor = m_backend ? m_backend->actor() : Actor();
    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setMovable(false);
    toolbar->addAction(m_newAction);
    toolbar->addAction(m_deleteAction);
    toolbar->addAction(m_refreshAction);
    toolbar->addSeparator();
    auto* tenantLabel = new QLabel(tr("&Tenant:"), toolbar);
    const int em = tenantLabel->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    tenantLabel->setContentsMargins(em / 2, 0, em / 2, 0); // not glued to the separator and the box
    m_tenantSwitcher = new QComboBox(toolbar);
    m_tenantSwitcher->setObjectName(QStringLiteral("tenantSwitcher"));
    m_tenantSwitcher->setAccessibleName(tr("Tenant"));
    m_tenantSwitcher->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_tenantSwitcher->setMinimumContentsLength(18);
    tenantLabel->setBuddy(m_tenantSwitcher);
    toolbar->addWidget(tenantLabel);
    toolbar->addWidget(m_tenantSwitcher);
    if (m_backend && !m_backend->capabilities().has(Capability::MoveUsers)) {
        // better-auth: users do not belong to one organization, so there is no tenant to narrow to.
        m_tenantSwitcher->addItem(tr("Whole deployment"), QVariant::fromValue<qint64>(0));
        m_tenantSwitcher->setEnabled(false);
        m_tenantSwitcher->setToolTip(
            tr("Users of this server do not belong to one organization: every pane shows the whole deployment"));
    } else if (actor.isSuperAdmin()) {
        m_tenantSwitcher->addItem(tr("All tenants"), QVariant::fromValue<qint64>(0));
        m_tenantSwitcher->setToolTip(tr("Show the data of one tenant or of all of them"));
        loadTenants();
    } else {
        m_tenantSwitcher->addItem(tr("My organization"), QVariant::fromValue<qint64>(actor.organizationId));
        m_tenantSwitcher->setEnabled(false);
        m_tenantSwitcher->setToolTip(tr("Only super admins can look at other tenants"));
    }
    connect(m_tenantSwitcher, &QComboBox::currentIndexChanged, this, [this](int index) {
        const Id org = m_tenantSwitcher->itemData(index).toLongLong();
        for (Pane* p : std::as_const(m_panes))
            p->setOrganizationScope(org);
    });
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_signedOut || !m_backend || m_backend->actor().userId == 0) {
        QMainWindow::closeEvent(event);
        return;
    }
    event->ignore();
    if (m_signingOut)
        return;
    m_signingOut = true;
    statusBar()->showMessage(tr("Signing out…"));
    whenDone(m_backend->signOut(), this, [this](const Status&) {
        // Even when the sign-out could not be recorded the window closes: the session expires.
        m_signedOut = true;
        close();
    });
}

void MainWindow::createActions()
{
    m_findAction = new QAction(tr("&Find…"), this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        if (Pane* p = currentPane())
            p->find();
    });
    m_newAction = new QAction(QIcon::fromTheme(QStringLiteral("document-new")), tr("&New…"), this);
    m_newAction->setObjectName(QStringLiteral("newAction"));
    m_newAction->setShortcut(QKeySequence::New);
    connect(m_newAction, &QAction::triggered, this, [this] {
        if (Pane* p = currentPane())
            p->createNew();
    });
    m_deleteAction = new QAction(QIcon::fromTheme(QStringLiteral("edit-delete")), tr("&Delete…"), this);
    m_deleteAction->setObjectName(QStringLiteral("deleteAction"));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    connect(m_deleteAction, &QAction::triggered, this, [this] {
        if (Pane* p = currentPane())
            p->deleteSelected();
    });
    m_refreshAction = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    m_refreshAction->setObjectName(QStringLiteral("refreshAction"));
    // F5 everywhere plus the platform's Refresh keys, each once: a key bound twice to one action
    // is ambiguous and then triggers nothing.
    QList<QKeySequence> refreshKeys { QKeySequence(Qt::Key_F5) };
    for (const QKeySequence& key : QKeySequence::keyBindings(QKeySequence::Refresh)) {
        if (!refreshKeys.contains(key))
            refreshKeys << key;
    }
    m_refreshAction->setShortcuts(refreshKeys);
    connect(m_refreshAction, &QAction::triggered, this, [this] {
        // While the deployment is away a reload would only empty the list: check the connection
        // instead (the panes load again once it is back).
        if (!m_banner->isHidden()) {
            checkConnectionNow();
            return;
        }
        if (Pane* p = currentPane())
            p->refresh();
    });
    m_copyAction = new QAction(tr("&Copy"), this);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyAction, &QAction::triggered, this, [this] {
        if (Pane* p = currentPane())
            p->copySelection();
    });
    createSessionAndHelpActions();
}

void MainWindow::createSessionAndHelpActions()
{
    m_signOutAction = new QAction(tr("Sign &Out"), this);
    connect(m_signOutAction, &QAction::triggered, this, &MainWindow::signOutRequested);
    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    m_shortcutsAction = new QAction(tr("&Keyboard Shortcuts"), this);
    m_shortcutsAction->setObjectName(QStringLiteral("keyboardShortcutsAction"));
    m_shortcutsAction->setShortcut(QKeySequence::HelpContents);
    connect(m_shortcutsAction, &QAction::triggered, this, [this] {
        auto* dialog = new ShortcutsDialog(currentPane(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    m_userGuideAction = new QAction(tr("&User Guide"), this);
    m_userGuideAction->setObjectName(QStringLiteral("userGuideAction"));
    connect(m_userGuideAction, &QAction::triggered, this, [this] {
        auto* dialog = new UserGuideDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    m_aboutAction = new QAction(tr("&About Portcullis"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, [this] {
        auto* about = new QMessageBox(
            QMessageBox::NoIcon, tr("About Portcullis"),
            tr("<h3>Portcullis %1</h3><p>Admin console for multi-tenant auth.</p>"
               "<p>Connected to %2.</p>")
                .arg(QApplication::applicationVersion(), m_backend ? m_backend->describe().toHtmlEscaped() : QString()),
            QMessageBox::Ok, this);
        about->setTextFormat(Qt::RichText); // the connection is escaped above
        about->setIconPixmap(windowIcon().pixmap(64, 64));
        about->setAttribute(Qt::WA_DeleteOnClose);
        about->open();
    });
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    // Import and export of users: the rows go to the tenant the users pane shows.
    auto usersScope
        = [this] { return pane(QStringLiteral("users")) ? pane(QStringLiteral("users"))->organizationScope() : 0; };
    QAction* importUsers = file->addAction(tr("&Import Users…"));
    importUsers->setObjectName(QStringLiteral("importUsersAction"));
    connect(importUsers, &QAction::triggered, this, [this, usersScope] {
        auto* dialog = new UserImportDialog(m_backend, usersScope(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    // --dialog import-users: the preview of an example file (PORTCULLIS_IMPORT_SAMPLE, or the
    // built-in one), as the screenshots show it.
    registerDialog(QStringLiteral("import-users"), [importUsers, this]() -> QDialog* {
        importUsers->trigger();
        auto* dialog = findChild<UserImportDialog*>();
        if (dialog) {
            const QString sample = qEnvironmentVariable("PORTCULLIS_IMPORT_SAMPLE");
            dialog->loadFile(sample.isEmpty() ? QStringLiteral(":/samples/users-import-example.csv") : sample);
        }
        return dialog;
    });
    QAction* exportUsers = file->addAction(tr("&Export Users…"));
    exportUsers->setObjectName(QStringLiteral("exportUsersAction"));
    connect(exportUsers, &QAction::triggered, this, [this] {
        if (auto* users = qobject_cast<UsersPane*>(pane(QStringLiteral("users"))))
            users->exportUsers();
    });
    requireCapability(importUsers, Capability::UserImportExport);
    requireCapability(exportUsers, Capability::UserImportExport);
    file->addSeparator();
    file->addAction(m_signOutAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_newAction);
    edit->addAction(m_deleteAction);
    edit->addSeparator();
    edit->addAction(m_copyAction);
    edit->addAction(m_findAction);
    edit->addSeparator();
    QAction* preferences = edit->addAction(tr("&Preferences…"));
    preferences->setObjectName(QStringLiteral("preferencesAction"));
    preferences->setMenuRole(QAction::PreferencesRole);
    preferences->setShortcut(QKeySequence::Preferences);
    connect(preferences, &QAction::triggered, this, [this] {
        auto* dialog = new PreferencesDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &PreferencesDialog::languageSaved, this, [this] {
            statusBar()->showMessage(tr("The language changes the next time Portcullis starts"), 10000);
        });
        dialog->open();
    });
    registerDialog(QStringLiteral("preferences"), [preferences, this]() -> QDialog* {
        preferences->trigger();
        return findChild<PreferencesDialog*>();
    });
    // Over the API keys pane, on the selected (or first listed) key.
    registerDialog(QStringLiteral("edit-api-key"), [this]() -> QDialog* {
        auto* keys = qobject_cast<ApiKeysPane*>(pane(QStringLiteral("api-keys")));
        return keys && keys->selectChangeableKey() ? keys->editSelected() : nullptr;
    });
    registerDialog(QStringLiteral("rotate-api-key"), [this]() -> QDialog* {
        auto* keys = qobject_cast<ApiKeysPane*>(pane(QStringLiteral("api-keys")));
        return keys && keys->selectChangeableKey() ? keys->rotateSelected() : nullptr;
    });
    // Super admins only (updateAdminActions): the core refuses everyone else anyway.
    m_deploymentSettingsAction = edit->addAction(tr("Deplo&yment settings…"));
    m_deploymentSettingsAction->setObjectName(QStringLiteral("deploymentSettingsAction"));
    connect(m_deploymentSettingsAction, &QAction::triggered, this, [this] {
        auto* dialog = new DeploymentSettingsDialog(m_backend, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &DeploymentSettingsDialog::saved, this,
                [this] { statusBar()->showMessage(tr("Deployment settings saved"), 10000); });
        dialog->open();
    });
    registerDialog(QStringLiteral("deployment-settings"), [this]() -> QDialog* {
        if (!m_deploymentSettingsAction->isVisible())
            return nullptr;
        m_deploymentSettingsAction->trigger();
        return findChild<DeploymentSettingsDialog*>();
    });
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    view->addAction(m_refreshAction);
    view->addSeparator();
    QMenu* tools = menuBar()->addMenu(tr("Tool&s")); // Alt+T: the tenant switcher; Alt+O: the audit pane's To:
    tools->setObjectName(QStringLiteral("toolsMenu"));
    m_toolsMenu = tools;
    m_runMaintenanceAction = tools->addAction(tr("Run &maintenance…"));
    m_runMaintenanceAction->setObjectName(QStringLiteral("runMaintenanceAction"));
    connect(m_runMaintenanceAction, &QAction::triggered, this, &MainWindow::runMaintenance);
    updateAdminActions(); // the Tools menu shows once it has an entry the actor may use
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_userGuideAction);
    help->addAction(m_shortcutsAction);
    help->addAction(m_aboutAction);
}

namespace {
// The pane's icon, plus a version in the highlighted-text colour for the selected row, so the
// icon stays visible on the selection highlight in light and dark palettes.
QIcon navigationIcon(const QIcon& icon, const QPalette& palette)
{
    QIcon result;
    for (int size : { 16, 22, 32, 44, 64 }) {
        const QPixmap normal = icon.pixmap(size, size);
        result.addPixmap(normal, QIcon::Normal);
        QPixmap selected = normal;
        QPainter painter(&selected);
        painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
        painter.fillRect(selected.rect(), palette.color(QPalette::HighlightedText));
        painter.end();
        result.addPixmap(selected, QIcon::Selected);
    }
    return result;
}
} // namespace

void MainWindow::registerDialog(const QString& name, std::function<QDialog*()> open)
{
    m_dialogs.insert(name, std::move(open));
}

QDialog* MainWindow::openDialog(const QString& name)
{
    const auto found = m_dialogs.constFind(name);
    return found == m_dialogs.cend() ? nullptr : (*found)();
}

QStringList MainWindow::dialogNames() const
{
    QStringList names = m_dialogs.keys();
    names.sort();
    return names;
}

void MainWindow::addPane(Pane* pane)
{
    m_panes << pane;
    m_stack->addWidget(pane);
    auto* item = new QListWidgetItem(navigationIcon(pane->icon(), palette()), pane->title(), m_navigation);
    item->setSizeHint(QSize(item->sizeHint().width(), 34));
    const int index = int(m_panes.size());
    QMenu* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"));
    // The entry gets the first letter of the title that no other View entry uses yet.
    QSet<QChar> mnemonics;
    for (const QAction* a : view ? view->actions() : QList<QAction*>())
        keyboard::withMnemonic(a->text(), &mnemonics);
    auto* go = new QAction(pane->icon(), keyboard::withMnemonic(pane->title(), &mnemonics), this);
    go->setObjectName(QStringLiteral("showPaneAction_") + pane->paneName());
    if (index <= 9)
        go->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(index)));
    connect(go, &QAction::triggered, this, [this, index] { m_navigation->setCurrentRow(index - 1); });
    if (view)
        view->addAction(go);
    connect(pane, &Pane::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message, 8000); });
    connect(pane, &Pane::actionsChanged, this, &MainWindow::updateActions);
    connect(pane, &Pane::openRequested, this, [this](const QString& name, const PaneRequest& request) {
        if (showPane(name))
            this->pane(name)->applyRequest(request);
    });
    pane->setOrganizationScope(m_tenantSwitcher->currentData().toLongLong());
    m_navigation->setFixedWidth(std::max(m_navigation->sizeHintForColumn(0) + 24, 170));
    if (m_panes.size() == 1)
        m_navigation->setCurrentRow(0);
}

bool MainWindow::showPane(const QString& name)
{
    for (int i = 0; i < m_panes.size(); ++i) {
        if (m_panes.at(i)->paneName() == name) {
            m_navigation->setCurrentRow(i);
            return true;
        }
    }
    return false;
}

Pane* MainWindow::currentPane() const
{
    return qobject_cast<Pane*>(m_stack->currentWidget());
}

Pane* MainWindow::pane(const QString& name) const
{
    for (Pane* p : m_panes) {
        if (p->paneName() == name)
            return p;
    }
    return nullptr;
}

QStringList MainWindow::paneNames() const
{
    QStringList names;
    for (Pane* p : m_panes)
        names << p->paneName();
    return names;
}

void MainWindow::onPaneChanged(int row)
{
    if (row < 0 || row >= m_panes.size())
        return;
    Pane* p = m_panes.at(row);
    m_stack->setCurrentWidget(p);
    setWindowTitle(tr("%1 — Portcullis").arg(p->title()));
    if (m_started && !p->isLoaded())
        p->refresh();
    updateActions();
}

void MainWindow::onActorChanged()
{
    const Actor actor = m_backend->actor();
    const QString role = actor.roleCodes.isEmpty() ? tr("no role") : actor.roleCodes.first();
    m_adminLabel->setText(tr("Signed in as %1 (%2)").arg(actor.email, role));
    statusBar()->showMessage(tr("Your roles changed: you now act as %1 (level %2)").arg(role).arg(actor.level), 15000);
    // What each pane offers depends on the rights: loaded panes load again and re-evaluate.
    for (Pane* p : std::as_const(m_panes)) {
        if (p->isLoaded())
            p->refresh();
    }
    updateActions();
    updateAdminActions();
}

void MainWindow::updateAdminActions()
{
    // Deployment-wide tools: super admins only, in both modes (standalone runs them on the backend's
    // worker threads, REST on the server).
    const bool super = m_backend && m_backend->actor().isSuperAdmin();
    m_deploymentSettingsAction->setVisible(super);
    m_runMaintenanceAction->setVisible(super);
    m_toolsMenu->menuAction()->setVisible(super);
    // What the deployment lacks stays in the menu, disabled with the reason.
    requireCapability(m_deploymentSettingsAction, Capability::DeploymentSettings);
    requireCapability(m_runMaintenanceAction, Capability::Maintenance);
}

bool MainWindow::requireCapability(QAction* action, Capability capability)
{
    const Capabilities capabilities = m_backend ? m_backend->capabilities() : Capabilities();
    if (capabilities.has(capability))
        return true;
    QString why = capabilities.whyNot(capability);
    if (why.isEmpty())
        why = tr("This server cannot do this.");
    action->setEnabled(false);
    action->setToolTip(why);
    action->setStatusTip(why);
    return false;
}

void MainWindow::runMaintenance()
{
    if (!m_backend)
        return;
    MessageBox::confirm(
        this, tr("Run maintenance"),
        tr("Remove expired sessions, used or expired one-time tokens and invitations, and audit events older than "
           "the retention set in Deployment settings? Servers also do this on their own schedule."),
        tr("&Run"), [this] {
            m_runMaintenanceAction->setEnabled(false);
            statusBar()->showMessage(tr("Running maintenance…"));
            whenDone(m_backend->runMaintenance(), this, [this](const Result<MaintenanceRun>& result) {
                m_runMaintenanceAction->setEnabled(true);
                statusBar()->clearMessage();
                if (!result) {
                    MessageBox::warning(this, tr("Run maintenance"),
                                        tr("Maintenance did not finish: %1").arg(result.error().message));
                    return;
                }
                MessageBox::information(
                    this, tr("Run maintenance"),
                    tr("Maintenance removed %1 sessions, %2 tokens, %3 invitations and %4 audit events.")
                        .arg(result->sessionsRemoved)
                        .arg(result->tokensRemoved)
                        .arg(result->invitationsRemoved)
                        .arg(result->auditEventsRemoved));
            });
        });
}

void MainWindow::onConnectionLost(const QString& reason)
{
    if (!m_backend || m_signedOut)
        return;
    m_bannerText->setText(reason.isEmpty() ? tr("Cannot reach %1").arg(m_backend->describe()) : reason);
    m_bannerText->setToolTip(m_backend->describe());
    if (m_banner->isHidden()) {
        m_retryDelayMs = 0;
        m_banner->show();
        statusBar()->showMessage(tr("Connection lost: %1").arg(m_bannerText->text()), 8000);
    }
    scheduleConnectionCheck();
}

void MainWindow::onConnectionRestored()
{
    if (m_banner->isHidden())
        return;
    m_banner->hide();
    m_retryTimer->stop();
    m_countdownTimer->stop();
    m_retryDelayMs = 0;
    statusBar()->showMessage(tr("Connected again to %1").arg(m_backend ? m_backend->describe() : QString()), 8000);
    // What the panes show may be stale: the ones that were loaded load again.
    for (Pane* p : std::as_const(m_panes)) {
        if (p->isLoaded() || p == currentPane())
            p->refresh();
    }
}

void MainWindow::checkConnectionNow()
{
    if (!m_backend || m_checking)
        return;
    m_checking = true;
    m_retryTimer->stop();
    m_countdownTimer->stop();
    m_retryButton->setEnabled(false);
    m_bannerRetryText->setText(tr("Trying to reconnect…"));
    whenDone(m_backend->checkConnection(), this, [this](const Status& status) {
        m_checking = false;
        m_retryButton->setEnabled(true);
        if (status.ok()) {
            onConnectionRestored(); // the backend says so too; whichever comes first hides the banner
            return;
        }
        if (!m_banner->isHidden())
            scheduleConnectionCheck();
    });
}

void MainWindow::scheduleConnectionCheck()
{
    if (m_checking)
        return;
    // 2 s, 4 s, 8 s, then every 15 s.
    m_retryDelayMs = m_retryDelayMs == 0 ? 2000 : std::min(m_retryDelayMs * 2, 15000);
    m_retryTimer->start(m_retryDelayMs);
    m_countdownTimer->start();
    updateRetryText();
}

void MainWindow::updateRetryText()
{
    if (m_checking)
        return;
    const int seconds = std::max(1, (m_retryTimer->remainingTime() + 999) / 1000);
    m_bannerRetryText->setText(
        tr("Retrying in %n second(s). What you entered is kept; the lists show what was last loaded.", "", seconds));
}

void MainWindow::updateActions()
{
    Pane* p = currentPane();
    if (p && p->unavailable()) { // the deployment lacks what the pane is about
        setActionAllowed(m_newAction, false, p->unavailableReason());
        setActionAllowed(m_deleteAction, false, p->unavailableReason());
        return;
    }
    QString why;
    const bool create = p && p->canCreate(&why);
    setActionAllowed(m_newAction, create, why);
    const bool remove = p && p->canDelete(&why);
    setActionAllowed(m_deleteAction, remove, why);
}

void MainWindow::loadTenants()
{
    if (!m_backend)
        return;
    whenDone(m_backend->listOrganizations(), this, [this](const Result<QList<Organization>>& result) {
        if (!result.ok()) {
            statusBar()->showMessage(tr("Could not load the tenants: %1").arg(result.error().message), 8000);
            return;
        }
        for (const Organization& o : result.value())
            m_tenantSwitcher->addItem(o.name, QVariant::fromValue<qint64>(o.id));
    });
}

} // namespace portcullis
