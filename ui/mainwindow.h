#pragma once

// The console's main window: navigation between the panes, the tenant switcher (super admins),
// the standard actions routed to the current pane, and a status bar with the connection and the
// signed-in admin.

#include "backend.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QStackedWidget;

namespace portcullis {

class Pane;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(Backend* backend, QWidget* parent = nullptr);

    void addPane(Pane* pane);
    // Shows the pane with this name ("users", "audit", ...); false when there is none.
    bool showPane(const QString& name);
    Pane* currentPane() const;
    Pane* pane(const QString& name) const;
    QStringList paneNames() const;

signals:
    void signOutRequested();

protected:
    // Closing the window ends the admin's session first (it is audited as a sign-out).
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenus();
    void onActorChanged();
    void updateActions();
    void loadTenants();
    void onPaneChanged(int row);

    QPointer<Backend> m_backend;
    QListWidget* m_navigation = nullptr;
    QStackedWidget* m_stack = nullptr;
    QComboBox* m_tenantSwitcher = nullptr;
    QLabel* m_connectionLabel = nullptr;
    QLabel* m_adminLabel = nullptr;
    QList<Pane*> m_panes;
    bool m_signedOut = false;
    bool m_signingOut = false;

    QAction* m_findAction = nullptr;
    QAction* m_newAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_refreshAction = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_signOutAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_shortcutsAction = nullptr;
};

} // namespace portcullis
