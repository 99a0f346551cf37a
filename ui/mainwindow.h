#pragma once

// The console's main window: navigation between the panes, the tenant switcher (super admins),
// the standard actions routed to the current pane, and a status bar with the connection and the
// signed-in admin.

#include "backend.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>

#include <functional>

class QAction;
class QComboBox;
class QDialog;
class QFrame;
class QLabel;
class QMenu;
class QPushButton;
class QTimer;
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
    // The banner shown while the server or database cannot be reached (objectName "connectionBanner").
    QFrame* connectionBanner() const { return m_banner; }
    // Dialogs the console can open by name (--dialog NAME, for screenshots and tests): `open`
    // opens the dialog (window-modal, not exec()) over the current pane and returns it, or null
    // when it cannot open now (no permission, no selection). A dialog still fetching what it shows
    // sets the property "loading" to true until it has it.
    void registerDialog(const QString& name, std::function<QDialog*()> open);
    QDialog* openDialog(const QString& name);
    QStringList dialogNames() const;

signals:
    void signOutRequested();

protected:
    // Closing the window ends the admin's session first (it is audited as a sign-out).
    void closeEvent(QCloseEvent* event) override;

private:
    void buildNavigation();
    void buildConnectionBanner();
    void layOutCentral();
    void buildStatusBar();
    void connectBackend();
    void buildToolBar();
    void createActions();
    void createSessionAndHelpActions();
    void createMenus();
    void onActorChanged();
    void updateActions();
    // Edit > Deployment settings… and Tools > Run maintenance…: shown to super admins only.
    void updateAdminActions();
    // Disables `action` with the reason as tooltip and status tip when the deployment lacks
    // `capability` (Backend::capabilities); true when it has it.
    bool requireCapability(QAction* action, Capability capability);
    void runMaintenance();
    void loadTenants();
    void onPaneChanged(int row);
    // The deployment went away: the banner, and a check with growing pauses until it answers. The
    // checks are the backend's own asynchronous calls (no SQL or network on this thread); panes keep
    // what they show until it is back, then the loaded ones load again.
    void onConnectionLost(const QString& reason);
    void onConnectionRestored();
    void checkConnectionNow();
    void scheduleConnectionCheck();
    void updateRetryText();

    QPointer<Backend> m_backend;
    QListWidget* m_navigation = nullptr;
    QStackedWidget* m_stack = nullptr;
    QComboBox* m_tenantSwitcher = nullptr;
    QLabel* m_connectionLabel = nullptr;
    QLabel* m_adminLabel = nullptr;
    QList<Pane*> m_panes;
    QHash<QString, std::function<QDialog*()>> m_dialogs;
    QFrame* m_banner = nullptr;
    QLabel* m_bannerText = nullptr;
    QLabel* m_bannerRetryText = nullptr;
    QPushButton* m_retryButton = nullptr;
    QTimer* m_retryTimer = nullptr; // single shot: the next check
    QTimer* m_countdownTimer = nullptr; // once a second while the banner shows
    int m_retryDelayMs = 0;
    bool m_checking = false;
    bool m_signedOut = false;
    // False until the event loop first runs after construction: the pane shown first loads then, so
    // that a window opened on another pane (--pane users) does not load the dashboard as well.
    bool m_started = false;
    bool m_signingOut = false;

    QAction* m_deploymentSettingsAction = nullptr;
    QAction* m_runMaintenanceAction = nullptr;
    QMenu* m_toolsMenu = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_newAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_refreshAction = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_signOutAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_shortcutsAction = nullptr;
    QAction* m_userGuideAction = nullptr;
};

} // namespace portcullis
