// The Roles, API Keys and Organizations panes, driven as an admin would: the real main window on a
// real temporary database, offscreen.

#include "apikeydialog.h"
#include "apikeylistmodel.h"
#include "apikeyspane.h"
#include "guidesk.h"
#include "guiutil.h"
#include "invitationlistmodel.h"
#include "messagebox.h"
#include "organizationdialogs.h"
#include "organizationlistmodel.h"
#include "organizationspane.h"
#include "permissiontreemodel.h"
#include "rest/restbackend.h"
#include "roleeditor.h"
#include "rolelistmodel.h"
#include "rolespane.h"
#include "secretdialog.h"
#include "serverprocess.h"
#include "sqlbackend.h"

#include <QAbstractProxyModel>
#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QFont>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

using namespace portcullis;
using namespace portcullis::test;

namespace {

template <typename W> W* child(QObject* parent, const char* name)
{
    return parent->findChild<W*>(QString::fromLatin1(name));
}

// Selects the row of `id` in a pane's table whose model (or proxy source) reports ids in `role`.
bool selectRow(QTableView* table, Id id, int role)
{
    QAbstractItemModel* model = table->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, 0).data(role).toLongLong() == id) {
            table->selectRow(row);
            return true;
        }
    }
    return false;
}

// Answers the next real message box (one the MessageBox wrapper shows because no answer was preset)
// by clicking `button` once it is visible. The continuation that asks may run synchronously inside
// the call that started it (a future that is already finished), so a preset set afterwards would
// come too late; this watcher works either way.
// Clicks the action button of the next confirmation shown (MessageBox::confirm's "confirmActionButton").
void answerNextMessageBox(QObject* context)
{
    auto* timer = new QTimer(context);
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, context, [timer] {
        for (QWidget* w : QApplication::topLevelWidgets()) {
            auto* box = qobject_cast<QMessageBox*>(w);
            auto* action = box ? box->findChild<QPushButton*>(QStringLiteral("confirmActionButton")) : nullptr;
            if (box && box->isVisible() && action) {
                timer->stop();
                timer->deleteLater();
                action->click();
                return;
            }
        }
    });
    timer->start();
}

QListWidgetItem* itemWithData(QListWidget* list, const QString& data)
{
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->data(Qt::UserRole).toString() == data)
            return list->item(i);
    }
    return nullptr;
}

} // namespace

class TestGuiAdmin : public QObject
{
    Q_OBJECT

private slots:
    void roleEditorRefusesTheAdminsOwnLevelAndShowsInheritance();
    void builtInRolesOpenReadOnly();
    void deletingAnAssignedRoleOffersToRemoveItFromItsUsers();
    void apiKeyIsShownOnceAndListedByPrefix();
    void apiKeyEditAndRotate_data() { addBackendRows(); }
    void apiKeyEditAndRotate();
    void apiKeyViewerCannotEditOrRotate();
    void superAdminCreatesAndWipesOutAnOrganization();
    void adminSeesOwnOrganizationAndInvites();
};

void TestGuiAdmin::roleEditorRefusesTheAdminsOwnLevelAndShowsInheritance()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    QString why;
    QVERIFY2(pane->canCreate(&why), qPrintable(why));
    pane->createNew();
    RoleEditor* editor = nullptr;
    QTRY_VERIFY((editor = Console::visibleTopLevel<RoleEditor>()));
    QCOMPARE(editor->objectName(), QStringLiteral("roleEditorDialog"));
    PermissionTreeModel* tree = editor->permissionModel();
    QTRY_VERIFY(tree->rowCount() > 0); // the catalog arrived
    auto* save = child<QPushButton>(editor, "saveRoleButton");
    QTRY_VERIFY(save->isEnabled());
    // An admin's organization is the only choice.
    auto* organization = child<QComboBox>(editor, "roleOrganizationCombo");
    QCOMPARE(organization->count(), 1);
    QCOMPARE(organization->currentData().toLongLong(), c.world.orgA.id);

    QTest::keyClicks(child<QLineEdit>(editor, "roleCodeEdit"), QStringLiteral("support_lead"));
    QTest::keyClicks(child<QLineEdit>(editor, "roleNameEdit"), QStringLiteral("Support lead"));
    auto* level = child<QSpinBox>(editor, "roleLevelSpin");
    QCOMPARE(level->maximum(), 99);
    for (const int refused : { 80, 85 }) {
        level->setValue(refused);
        QTest::mouseClick(save, Qt::LeftButton);
        // The core's refusal appears under the level, and the dialog stays open with the input.
        auto* levelError = child<QLabel>(editor, "levelError");
        QTRY_VERIFY(levelError->isVisible());
        QVERIFY2(levelError->text().contains(QString::number(refused)), qPrintable(levelError->text()));
        QVERIFY(levelError->text().contains(QStringLiteral("below your level (80)")));
        QVERIFY(editor->isVisible());
        QCOMPARE(child<QLineEdit>(editor, "roleCodeEdit")->text(), QStringLiteral("support_lead"));
        QVERIFY(!c.db->store().core().loadRole(QStringLiteral("support_lead")).ok());
    }

    // At level 50 the permissions of viewer, user and power_user are inherited: checked, disabled,
    // in italics, saying where they come from.
    level->setValue(50);
    QVERIFY(child<QLabel>(editor, "roleInheritanceLabel")->text().contains(QStringLiteral("power_user")));
    auto* view = child<QTreeView>(editor, "permissionTreeView");
    QVERIFY(view->model()->rowCount() > 0);
    const QModelIndex chatView = tree->indexOf(QStringLiteral("chat:view"));
    QVERIFY(!tree->flags(chatView).testFlag(Qt::ItemIsEnabled));
    QCOMPARE(chatView.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(chatView.data(Qt::FontRole).value<QFont>().italic());
    QCOMPARE(chatView.data(Qt::ToolTipRole).toString(), QStringLiteral("inherited from viewer"));
    QCOMPARE(tree->indexOf(QStringLiteral("project:create")).data(Qt::ToolTipRole).toString(),
             QStringLiteral("inherited from power_user"));
    // What the view shows is the same (through its filter proxy).
    auto* proxy = qobject_cast<QAbstractProxyModel*>(view->model());
    QVERIFY(proxy);
    QVERIFY(!(proxy->mapFromSource(chatView).flags() & Qt::ItemIsEnabled));
    // team_lead (60) is not below 50: its admin:user:view is not inherited and may be checked.
    const QModelIndex userView = tree->indexOf(QStringLiteral("admin:user:view"));
    QVERIFY(tree->flags(userView).testFlag(Qt::ItemIsEnabled));
    QCOMPARE(userView.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    // An admin does not hold impersonation, so it cannot be handed out.
    QVERIFY(!tree->flags(tree->indexOf(QStringLiteral("admin:user:impersonate"))).testFlag(Qt::ItemIsEnabled));
    QVERIFY(view->model()->setData(proxy->mapFromSource(userView), Qt::Checked, Qt::CheckStateRole));

    QTest::mouseClick(save, Qt::LeftButton);
    QTRY_VERIFY(!Console::visibleTopLevel<RoleEditor>());
    auto stored = c.db->store().core().loadRole(QStringLiteral("support_lead"));
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->level, 50);
    QCOMPARE(stored->organizationId, c.world.orgA.id);
    QCOMPARE(stored->permissions, QStringList { QStringLiteral("admin:user:view") });
    // Listed, and selected after the reload.
    QTRY_VERIFY(pane->model()->rowOf(stored->id) >= 0);
    const int row = pane->model()->rowOf(stored->id);
    QCOMPARE(pane->model()->data(pane->model()->index(row, RoleListModel::KindColumn)).toString(),
             QStringLiteral("Custom"));
    QTRY_VERIFY(pane->selectedRole() && pane->selectedRole()->id == stored->id);
    // Its effective permissions (own plus inherited) are listed in the details.
    auto* effective = child<QListWidget>(pane, "effectivePermissionsList");
    QTRY_VERIFY(effective->count() > 1);
    QVERIFY(!effective->findItems(QStringLiteral("chat:view"), Qt::MatchExactly).isEmpty());
    QVERIFY(!effective->findItems(QStringLiteral("admin:user:view"), Qt::MatchExactly).isEmpty());
}

void TestGuiAdmin::builtInRolesOpenReadOnly()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    auto* table = child<QTableView>(pane, "roleTableView");
    const Id viewerId = c.db->store().core().loadRole(QStringLiteral("viewer"))->id;
    QVERIFY(selectRow(table, viewerId, RoleListModel::RoleIdRole));
    QString why;
    QVERIFY(!pane->canDelete(&why));
    QCOMPARE(why, QStringLiteral("Built-in roles cannot be deleted"));
    auto* edit = child<QAction>(pane, "editRoleAction");
    QVERIFY(edit->isEnabled());
    QCOMPARE(edit->text(), QStringLiteral("&View…"));
    edit->trigger();
    RoleEditor* editor = nullptr;
    QTRY_VERIFY((editor = Console::visibleTopLevel<RoleEditor>()));
    QVERIFY(editor->isReadOnly());
    QVERIFY(child<QLabel>(editor, "roleReadOnlyNote")->isVisible());
    QVERIFY(child<QLabel>(editor, "roleReadOnlyNote")->text().contains(QStringLiteral("built-in")));
    QVERIFY(!child<QPushButton>(editor, "saveRoleButton"));
    QTRY_VERIFY(editor->permissionModel()->rowCount() > 0);
    const QModelIndex chatView = editor->permissionModel()->indexOf(QStringLiteral("chat:view"));
    QCOMPARE(chatView.data(Qt::CheckStateRole).toInt(), int(Qt::Checked)); // its own permission
    QVERIFY(!editor->permissionModel()->flags(chatView).testFlag(Qt::ItemIsEnabled));
    editor->reject();
}

void TestGuiAdmin::deletingAnAssignedRoleOffersToRemoveItFromItsUsers()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const User holder = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    NewRole nr;
    nr.code = QStringLiteral("night_shift");
    nr.name = QStringLiteral("Night shift");
    nr.level = 30;
    nr.organizationId = c.world.orgA.id;
    auto role = c.db->store().roles().create(c.world.superActor, nr);
    QVERIFY_RESULT(role);
    QVERIFY_RESULT(c.db->store().users().assignRole(c.world.superActor, holder.id, nr.code));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(selectRow(child<QTableView>(pane, "roleTableView"), role->id, RoleListModel::RoleIdRole));
    QString why;
    QVERIFY2(pane->canDelete(&why), qPrintable(why));
    // "Delete?" → yes; the core refuses (assigned); "Delete and remove it from 1 user?" → yes.
    MessageBox::setNextAnswer(QMessageBox::Yes);
    answerNextMessageBox(this);
    pane->deleteSelected();
    QTRY_VERIFY(pane->model()->rowOf(role->id) < 0);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("assigned to 1 user")));
    QVERIFY(!c.db->store().core().loadRole(nr.code).ok());
    QVERIFY(!c.db->store().core().loadUser(holder.id)->roleCodes.contains(nr.code));
}

void TestGuiAdmin::apiKeyIsShownOnceAndListedByPrefix()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    QVERIFY(child<QLabel>(pane, "apiKeysEmptyLabel")->isVisible());
    pane->createNew();
    ApiKeyDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ApiKeyDialog>()));
    // The owner defaults to the signed-in admin; the scopes are what the admin holds.
    QCOMPARE(child<QLineEdit>(dialog, "apiKeyOwnerEdit")->text(), admin.email);
    auto* scopes = child<QListWidget>(dialog, "apiKeyScopesList");
    QTRY_VERIFY(scopes->count() > 0);
    QCOMPARE(dialog->ownerId(), admin.id);
    QVERIFY(itemWithData(scopes, QStringLiteral("admin:user:view")));
    QVERIFY(itemWithData(scopes, QStringLiteral("chat:view"))); // inherited from viewer
    QVERIFY(!itemWithData(scopes, QStringLiteral("admin:user:impersonate"))); // super admins only
    QVERIFY(!itemWithData(scopes, QStringLiteral("*")));
    itemWithData(scopes, QStringLiteral("admin:user:view"))->setCheckState(Qt::Checked);
    itemWithData(scopes, QStringLiteral("chat:view"))->setCheckState(Qt::Checked);
    QTest::keyClicks(child<QLineEdit>(dialog, "apiKeyNameEdit"), QStringLiteral("CI bot"));
    auto* rate = child<QSpinBox>(dialog, "apiKeyRateLimitSpin");
    QCOMPARE(rate->value(), 0); // the deployment's default (api_key_rate_limit)
    QCOMPARE(rate->text(), QStringLiteral("Deployment default"));
    rate->setValue(120);
    auto* create = child<QPushButton>(dialog, "createApiKeyButton");
    QVERIFY(create->isEnabled());
    QTest::mouseClick(create, Qt::LeftButton);

    SecretDialog* secretDialog = nullptr;
    QTRY_VERIFY((secretDialog = Console::visibleTopLevel<SecretDialog>()));
    QVERIFY(!Console::visibleTopLevel<ApiKeyDialog>());
    const QString secret = child<QLineEdit>(secretDialog, "secretEdit")->text();
    QVERIFY2(secret.startsWith(QStringLiteral("pk_live_")), qPrintable(secret.left(8)));
    QVERIFY(child<QPushButton>(secretDialog, "copySecretButton"));

    // The list shows the key by its prefix only.
    ApiKeyListModel* model = pane->model();
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->data(model->index(0, ApiKeyListModel::NameColumn)).toString(), QStringLiteral("CI bot"));
    QCOMPARE(model->data(model->index(0, ApiKeyListModel::PrefixColumn)).toString(), secret.left(12) + QChar(0x2026));
    QCOMPARE(model->data(model->index(0, ApiKeyListModel::OwnerColumn)).toString(), admin.email);
    QCOMPARE(model->data(model->index(0, ApiKeyListModel::RateLimitColumn)).toString(), QStringLiteral("120/min"));
    for (int column = 0; column < ApiKeyListModel::ColumnCount; ++column) {
        QVERIFY(!model->data(model->index(0, column)).toString().contains(secret));
        QVERIFY(!model->data(model->index(0, column), Qt::ToolTipRole).toString().contains(secret));
    }
    auto stored = c.db->store().apiKeys().list(c.world.superActor, admin.id, 1, 10);
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->items.size(), 1);
    QStringList scopesStored = stored->items.first().scopes;
    scopesStored.sort();
    QCOMPARE(scopesStored, (QStringList { QStringLiteral("admin:user:view"), QStringLiteral("chat:view") }));

    // Closed, the secret is gone for good: no widget holds it any more.
    secretDialog->accept();
    QTRY_VERIFY(!Console::visibleTopLevel<SecretDialog>());
    QTRY_VERIFY(c.window->findChildren<SecretDialog*>().isEmpty()); // deleted on close
    for (QLineEdit* edit : c.window->findChildren<QLineEdit*>())
        QVERIFY(!edit->text().contains(secret));
    for (QLabel* label : c.window->findChildren<QLabel*>())
        QVERIFY(!label->text().contains(secret));

    // Revoke it (Delete) after confirming.
    QTRY_VERIFY(pane->selectedKey().has_value());
    QString why;
    QVERIFY2(pane->canDelete(&why), qPrintable(why));
    MessageBox::setNextAnswer(QMessageBox::Yes);
    pane->deleteSelected();
    QTRY_COMPARE(model->data(model->index(0, ApiKeyListModel::StatusColumn)).toString(), QStringLiteral("Revoked"));
    QVERIFY(c.db->store().apiKeys().list(c.world.superActor, admin.id, 1, 10)->items.first().revoked);
    QVERIFY(!pane->canDelete(&why));
}

// Edit… reuses the key dialog with the key as read, asks before discarding changes and saves only
// what changed; Rotate… asks the grace period (24 hours unless changed), then shows the new secret
// once. On both backends.
void TestGuiAdmin::apiKeyEditAndRotate()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("chat bot");
    nk.userId = owner.id;
    nk.scopes = { QStringLiteral("chat:create") };
    auto created = c.db->store().apiKeys().create(c.world.superActor, nk);
    QVERIFY_RESULT(created);
    Desk desk;
    QVERIFY(desk.open(c, rest, admin));
    auto* pane = desk.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->selectedKey().has_value());

    // The actions are in the context menu's set, in the details panel and on the keyboard.
    auto* editAction = pane->findChild<QAction*>(QStringLiteral("editApiKeyAction"));
    auto* rotateAction = pane->findChild<QAction*>(QStringLiteral("rotateApiKeyAction"));
    QVERIFY(editAction && rotateAction);
    QTRY_VERIFY(editAction->isEnabled() && rotateAction->isEnabled());
    QCOMPARE(rotateAction->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+R")));
    auto* details = pane->findChild<QWidget*>(QStringLiteral("apiKeyDetailsPanel"));
    QVERIFY(details);
    bool editButton = false;
    bool rotateButton = false;
    for (QToolButton* b : details->findChildren<QToolButton*>()) {
        editButton |= b->defaultAction() == editAction;
        rotateButton |= b->defaultAction() == rotateAction;
    }
    QVERIFY(editButton && rotateButton);

    // Edit: Return on the table opens it, filled from the key as read.
    auto* table = pane->findChild<QTableView*>(QStringLiteral("apiKeyTableView"));
    table->setFocus();
    QTest::keyClick(table, Qt::Key_Return);
    ApiKeyDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ApiKeyDialog>()));
    QVERIFY(dialog->isEditing());
    QTRY_VERIFY(!dialog->property("loading").toBool());
    auto* name = child<QLineEdit>(dialog, "apiKeyNameEdit");
    QCOMPARE(name->text(), nk.name);
    QVERIFY(child<QLineEdit>(dialog, "apiKeyOwnerEdit")->isReadOnly());
    QCOMPARE(child<QLineEdit>(dialog, "apiKeyOwnerEdit")->text(), owner.email);
    auto* scopes = child<QListWidget>(dialog, "apiKeyScopesList");
    QCOMPARE(itemWithData(scopes, QStringLiteral("chat:create"))->checkState(), Qt::Checked);
    QVERIFY(!itemWithData(scopes, QStringLiteral("admin:user:view"))); // the owner does not hold it
    QVERIFY(!dialog->hasChanges());

    // A change, then Cancel: "Discard changes?"; keep editing.
    name->selectAll();
    QTest::keyClicks(name, QStringLiteral("chat bot v2"));
    QVERIFY(dialog->hasChanges());
    MessageBox::setNextAnswer(QMessageBox::No);
    dialog->reject();
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("not saved")));
    QVERIFY(dialog->isVisible());
    child<QSpinBox>(dialog, "apiKeyRateLimitSpin")->setValue(30);
    itemWithData(scopes, QStringLiteral("chat:view"))->setCheckState(Qt::Checked);
    QTest::mouseClick(child<QPushButton>(dialog, "saveApiKeyButton"), Qt::LeftButton);
    QTRY_VERIFY(!Console::visibleTopLevel<ApiKeyDialog>());
    auto stored = c.db->store().apiKeys().get(c.world.superActor, created->key.id);
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->name, QStringLiteral("chat bot v2"));
    QCOMPARE(stored->rateLimitPerMinute, 30);
    QStringList storedScopes = stored->scopes;
    storedScopes.sort();
    QCOMPARE(storedScopes, (QStringList { QStringLiteral("chat:create"), QStringLiteral("chat:view") }));
    QTRY_COMPARE(pane->model()->data(pane->model()->index(0, ApiKeyListModel::NameColumn)).toString(),
                 QStringLiteral("chat bot v2"));

    // Rotate: the key is named, 24 hours is the default; take 1 hour.
    QTRY_VERIFY(pane->selectedKey().has_value());
    rotateAction->trigger();
    RotateApiKeyDialog* rotate = nullptr;
    QTRY_VERIFY((rotate = Console::visibleTopLevel<RotateApiKeyDialog>()));
    QVERIFY(child<QLabel>(rotate, "rotateApiKeyIntro")->text().contains(QStringLiteral("chat bot v2")));
    auto* grace = child<QComboBox>(rotate, "rotateGraceCombo");
    QCOMPARE(grace->currentData().toLongLong(), 24 * 3600);
    grace->setCurrentIndex(grace->findData(qint64(3600)));
    QTest::mouseClick(child<QPushButton>(rotate, "rotateApiKeyButton"), Qt::LeftButton);
    SecretDialog* secretDialog = nullptr;
    QTRY_VERIFY((secretDialog = Console::visibleTopLevel<SecretDialog>()));
    const QString secret = child<QLineEdit>(secretDialog, "secretEdit")->text();
    QVERIFY(secret.startsWith(QStringLiteral("pk_live_")) && secret != created->secret);
    // Both secrets work during the grace period.
    QVERIFY_RESULT(c.db->store().apiKeys().verify(secret));
    QVERIFY_RESULT(c.db->store().apiKeys().verify(created->secret));
    auto rotated = c.db->store().apiKeys().get(c.world.superActor, created->key.id);
    QVERIFY_RESULT(rotated);
    QVERIFY(rotated->previousValidUntil > QDateTime::currentDateTimeUtc().addSecs(3500));
    QVERIFY(rotated->previousValidUntil < QDateTime::currentDateTimeUtc().addSecs(3700));
    secretDialog->accept();
    QTRY_VERIFY(desk.window->findChildren<SecretDialog*>().isEmpty());
    // The details panel says until when the old secret works.
    QTRY_VERIFY(child<QLabel>(pane, "apiKeyDetail_previous")->text().contains(QStringLiteral("works until")));
    for (QLabel* label : desk.window->findChildren<QLabel*>())
        QVERIFY(!label->text().contains(secret));
}

// A user who may only view keys (admin:apikey:view) sees Edit… and Rotate… disabled, with the reason.
void TestGuiAdmin::apiKeyViewerCannotEditOrRotate()
{
    Console c = Console::create();
    NewRole viewerRole;
    viewerRole.code = QStringLiteral("key_viewer");
    viewerRole.name = QStringLiteral("Key viewer");
    viewerRole.level = 30;
    viewerRole.permissions = { QStringLiteral("admin:apikey:view") };
    QVERIFY_RESULT(c.db->store().roles().create(c.world.superActor, viewerRole));
    const User viewer = c.world.makeUser(c.world.orgA.id, QStringLiteral("key_viewer"));
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("watched");
    nk.userId = owner.id;
    QVERIFY_RESULT(c.db->store().apiKeys().create(c.world.superActor, nk));
    QVERIFY(c.open(viewer));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->selectedKey().has_value());
    auto* editAction = pane->findChild<QAction*>(QStringLiteral("editApiKeyAction"));
    auto* rotateAction = pane->findChild<QAction*>(QStringLiteral("rotateApiKeyAction"));
    QTRY_VERIFY(!editAction->isEnabled() && !rotateAction->isEnabled());
    QVERIFY(editAction->toolTip().contains(QStringLiteral("admin:apikey:create")));
    QVERIFY(!pane->editSelected());
    QVERIFY(!pane->rotateSelected());
    QVERIFY(!Console::visibleTopLevel<ApiKeyDialog>());
}

void TestGuiAdmin::superAdminCreatesAndWipesOutAnOrganization()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    QString why;
    QVERIFY2(pane->canCreate(&why), qPrintable(why));
    pane->createNew();
    OrganizationDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<OrganizationDialog>()));
    QTest::keyClicks(child<QLineEdit>(dialog, "organizationNameEdit"), QStringLiteral("Initech Labs"));
    // The slug follows the name until edited.
    QCOMPARE(child<QLineEdit>(dialog, "organizationSlugEdit")->text(), QStringLiteral("initech-labs"));
    child<QComboBox>(dialog, "organizationPlanCombo")->setCurrentText(QStringLiteral("enterprise"));
    child<QSpinBox>(dialog, "organizationMaxUsersSpin")->setValue(250);
    auto* features = child<QListWidget>(dialog, "organizationFeaturesList");
    features->findItems(QStringLiteral("sso"), Qt::MatchExactly).first()->setCheckState(Qt::Checked);
    auto* another = child<QLineEdit>(dialog, "organizationFeatureEdit");
    QTest::keyClicks(another, QStringLiteral("beta_reports"));
    QTest::keyClick(another, Qt::Key_Return); // adds it, checked; does not submit
    QVERIFY(dialog->isVisible());
    QCOMPARE(features->findItems(QStringLiteral("beta_reports"), Qt::MatchExactly).size(), 1);
    QTest::mouseClick(child<QPushButton>(dialog, "saveOrganizationButton"), Qt::LeftButton);
    QTRY_VERIFY(!Console::visibleTopLevel<OrganizationDialog>());

    // Listed and selected.
    QTRY_VERIFY(pane->selectedOrganization() && pane->selectedOrganization()->slug == QLatin1String("initech-labs"));
    const Organization created = *pane->selectedOrganization();
    QCOMPARE(created.plan, QStringLiteral("enterprise"));
    QCOMPARE(created.maxUsers, 250);
    QCOMPARE(created.features, (QStringList { QStringLiteral("sso"), QStringLiteral("beta_reports") }));
    const int row = pane->model()->rowOf(created.id);
    QCOMPARE(pane->model()->data(pane->model()->index(row, OrganizationListModel::UsersColumn)).toString(),
             QStringLiteral("0 / 250"));

    // Wipe out: the button enables only once the slug is typed exactly.
    QVERIFY2(pane->canDelete(&why), qPrintable(why));
    pane->deleteSelected();
    WipeOutDialog* wipe = nullptr;
    QTRY_VERIFY((wipe = Console::visibleTopLevel<WipeOutDialog>()));
    QVERIFY(child<QLabel>(wipe, "wipeOutExplanation")->text().contains(QStringLiteral("audit log stays")));
    auto* confirm = child<QLineEdit>(wipe, "wipeOutConfirmEdit");
    auto* button = child<QPushButton>(wipe, "wipeOutButton");
    QVERIFY(!button->isEnabled());
    QTest::keyClicks(confirm, QStringLiteral("initech-lab"));
    QVERIFY(!button->isEnabled());
    QTest::keyClicks(confirm, QStringLiteral("s "));
    QVERIFY(!button->isEnabled()); // exactly: a trailing space is not the slug
    QTest::keyClick(confirm, Qt::Key_Backspace);
    QVERIFY(button->isEnabled());
    QVERIFY(c.db->store().core().loadOrganization(created.id).ok()); // nothing happened yet
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY(!Console::visibleTopLevel<WipeOutDialog>());
    QTRY_VERIFY(pane->model()->rowOf(created.id) < 0);
    QVERIFY(!c.db->store().core().loadOrganization(created.id).ok());
    // Its own organization is protected.
    QVERIFY(selectRow(child<QTableView>(pane, "organizationTableView"), c.world.orgA.id,
                      OrganizationListModel::OrganizationIdRole));
    QVERIFY(!pane->canDelete(&why));
    QCOMPARE(why, QStringLiteral("You cannot wipe out your own organization"));
}

void TestGuiAdmin::adminSeesOwnOrganizationAndInvites()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    QCOMPARE(pane->model()->rowCount(), 1);
    QTRY_VERIFY(pane->selectedOrganization() && pane->selectedOrganization()->id == c.world.orgA.id);
    QString why;
    QVERIFY(!pane->canCreate(&why));
    QCOMPARE(why, QStringLiteral("Only super admins can create organizations"));
    for (const char* name : { "suspendOrganizationAction", "wipeOutOrganizationAction" }) {
        auto* action = child<QAction>(pane, name);
        QVERIFY(!action->isEnabled());
        QVERIFY(!action->toolTip().isEmpty());
    }
    QCOMPARE(child<QAction>(pane, "wipeOutOrganizationAction")->toolTip(),
             QStringLiteral("Only super admins can do this to organizations"));

    auto* invite = child<QAction>(pane, "inviteAction");
    QTRY_VERIFY(invite->isEnabled());
    invite->trigger();
    InvitationDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<InvitationDialog>()));
    auto* role = child<QComboBox>(dialog, "invitationRoleCombo");
    QVERIFY(role->count() > 0);
    QVERIFY(role->findData(QStringLiteral("admin")) < 0); // not below the admin's level
    QVERIFY(role->findData(QStringLiteral("super_admin")) < 0);
    QCOMPARE(role->currentData().toString(), QStringLiteral("user"));
    QTest::keyClicks(child<QLineEdit>(dialog, "invitationEmailEdit"), QStringLiteral("newcomer@example.test"));
    QTest::mouseClick(child<QPushButton>(dialog, "sendInvitationButton"), Qt::LeftButton);
    SecretDialog* secret = nullptr;
    QTRY_VERIFY((secret = Console::visibleTopLevel<SecretDialog>()));
    const QString token = child<QLineEdit>(secret, "secretEdit")->text();
    QVERIFY(!token.isEmpty());
    auto* copyLink = child<QPushButton>(secret, "copyInvitationLinkButton");
    QVERIFY(copyLink);
    QTest::mouseClick(copyLink, Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), invitationLink(token));
    QVERIFY(QGuiApplication::clipboard()->text().startsWith(QStringLiteral("portcullis://accept?token=")));
    secret->accept();

    InvitationListModel* invitations = pane->invitationModel();
    QTRY_COMPARE(invitations->rowCount(), 1);
    QCOMPARE(invitations->data(invitations->index(0, InvitationListModel::EmailColumn)).toString(),
             QStringLiteral("newcomer@example.test"));
    QCOMPARE(invitations->data(invitations->index(0, InvitationListModel::StatusColumn)).toString(),
             QStringLiteral("Pending"));

    // Revoke it from the invitation list.
    child<QTableView>(pane, "invitationTableView")->selectRow(0);
    auto* revoke = child<QAction>(pane, "revokeInvitationAction");
    QTRY_VERIFY(revoke->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    revoke->trigger();
    QTRY_COMPARE(invitations->data(invitations->index(0, InvitationListModel::StatusColumn)).toString(),
                 QStringLiteral("Revoked"));
}

QTEST_MAIN(TestGuiAdmin)
#include "tst_gui_admin.moc"
