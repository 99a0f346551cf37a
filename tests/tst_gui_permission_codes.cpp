// Custom permission codes in the console: Roles › Permission codes… and the role editor's category of
// the organization's own codes, driven as an organization admin would, on the real main window over
// a real temporary database (SQLite; PostgreSQL with the _pg variant), offscreen.

#include "guiutil.h"
#include "messagebox.h"
#include "permissioncodesdialog.h"
#include "permissiontreemodel.h"
#include "roleeditor.h"
#include "rolespane.h"
#include "storefixture.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QTreeWidget>

using namespace portcullis;
using namespace portcullis::test;

namespace {

template <typename W> W* child(QObject* parent, const char* name)
{
    return parent->findChild<W*>(QString::fromLatin1(name));
}

QStringList listed(QTreeWidget* list)
{
    QStringList codes;
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        codes << list->topLevelItem(i)->text(0);
    return codes;
}

qint64 codeRows(Console& c, const QString& code)
{
    return scalar(c.db->store().core().db(),
                  QStringLiteral("SELECT COUNT(*) FROM organization_permissions WHERE code = ?"), { code });
}

} // namespace

class TestGuiPermissionCodes : public QObject
{
    Q_OBJECT

private slots:
    void adminDefinesAndDeletesTheOrganizationsCodes();
    void readerMayLookButNotChange();
    void roleEditorOffersTheOrganizationsOwnCodes();
};

void TestGuiPermissionCodes::adminDefinesAndDeletesTheOrganizationsCodes()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    // B's code exists; A never sees it.
    QVERIFY_RESULT(c.db->store().permissions().define(c.world.superActor, c.world.orgB.id,
                                                      QStringLiteral("globex:ship:send"), {}));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    auto* action = child<QAction>(pane, "permissionCodesAction");
    QVERIFY(action);
    QTRY_VERIFY(action->isEnabled());
    action->trigger();
    PermissionCodesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<PermissionCodesDialog>()));
    QTRY_VERIFY(!dialog->property("loading").toBool());
    auto* organization = child<QComboBox>(dialog, "permissionCodesOrganizationCombo");
    QCOMPARE(organization->count(), 1);
    QCOMPARE(dialog->organizationId(), c.world.orgA.id);
    QVERIFY(!organization->isEnabled());
    QVERIFY(listed(dialog->codeList()).isEmpty());
    QTRY_VERIFY(child<QLabel>(dialog, "permissionCodesEmptyLabel")->isVisible());

    // The code field starts with the organization's prefix; typing the rest and Enter defines it.
    auto* code = child<QLineEdit>(dialog, "permissionCodeEdit");
    auto* description = child<QLineEdit>(dialog, "permissionDescriptionEdit");
    auto* add = child<QPushButton>(dialog, "addPermissionCodeButton");
    QCOMPARE(code->text(), QStringLiteral("acme:"));
    QVERIFY(!add->isEnabled());
    code->setFocus();
    code->end(false);
    QTest::keyClicks(code, QStringLiteral("report:view"));
    QTest::keyClicks(description, QStringLiteral("Read the monthly reports"));
    QVERIFY(add->isEnabled());
    QTest::keyClick(description, Qt::Key_Return);
    QTRY_COMPARE(listed(dialog->codeList()), QStringList { QStringLiteral("acme:report:view") });
    QCOMPARE(dialog->codeList()->topLevelItem(0)->text(1), QStringLiteral("Read the monthly reports"));
    QCOMPARE(codeRows(c, QStringLiteral("acme:report:view")), 1);
    QCOMPARE(code->text(), QStringLiteral("acme:"));
    QVERIFY(!child<QLabel>(dialog, "permissionCodesEmptyLabel")->isVisible());

    // Another organization's prefix: refused by the core, said in the dialog, nothing stored.
    code->setText(QStringLiteral("globex:ship:cancel"));
    QTest::mouseClick(add, Qt::LeftButton);
    auto* message = child<QLabel>(dialog, "permissionCodesMessage");
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QStringLiteral("acme:")), qPrintable(message->text()));
    QCOMPARE(codeRows(c, QStringLiteral("globex:ship:cancel")), 0);
    // A look-alike of a built-in code: a field error under the code.
    code->setText(QStringLiteral("Admin:user:view"));
    QTest::mouseClick(add, Qt::LeftButton);
    auto* codeError = child<QLabel>(dialog, "codeError");
    QTRY_VERIFY(codeError && codeError->isVisible());
    QCOMPARE(listed(dialog->codeList()), QStringList { QStringLiteral("acme:report:view") });

    // Delete, after the confirmation that names the code.
    auto* remove = child<QPushButton>(dialog, "deletePermissionCodeButton");
    QVERIFY(!remove->isEnabled());
    dialog->codeList()->setCurrentItem(dialog->codeList()->topLevelItem(0));
    QVERIFY(remove->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(remove, Qt::LeftButton);
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("acme:report:view")));
    QTRY_VERIFY(listed(dialog->codeList()).isEmpty());
    QCOMPARE(codeRows(c, QStringLiteral("acme:report:view")), 0);
    QCOMPARE(codeRows(c, QStringLiteral("globex:ship:send")), 1);
    dialog->close();
}

void TestGuiPermissionCodes::readerMayLookButNotChange()
{
    Console c = Console::create();
    QVERIFY_RESULT(c.db->store().permissions().define(c.world.superActor, c.world.orgA.id,
                                                      QStringLiteral("acme:report:view"), {}));
    // A custom role that may look at roles (admin:role:view) but not edit them.
    NewRole looker;
    looker.code = QStringLiteral("acme_role_reader");
    looker.name = QStringLiteral("Role reader");
    looker.level = 30;
    looker.organizationId = c.world.orgA.id;
    looker.permissions = { QStringLiteral("admin:role:view") };
    QVERIFY_RESULT(c.db->store().roles().create(c.world.superActor, looker));
    const User reader = c.world.makeUser(c.world.orgA.id, QStringLiteral("acme_role_reader"));
    QVERIFY(c.open(reader));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    pane->openPermissionCodes();
    PermissionCodesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<PermissionCodesDialog>()));
    QTRY_COMPARE(listed(dialog->codeList()), QStringList { QStringLiteral("acme:report:view") });
    dialog->codeList()->setCurrentItem(dialog->codeList()->topLevelItem(0));
    auto* add = child<QPushButton>(dialog, "addPermissionCodeButton");
    auto* remove = child<QPushButton>(dialog, "deletePermissionCodeButton");
    QVERIFY(!add->isEnabled());
    QVERIFY(!remove->isEnabled());
    QVERIFY2(add->toolTip().contains(QStringLiteral("admin:role:edit")), qPrintable(add->toolTip()));
    QVERIFY(child<QLineEdit>(dialog, "permissionCodeEdit")->isReadOnly());
    dialog->close();
}

void TestGuiPermissionCodes::roleEditorOffersTheOrganizationsOwnCodes()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY_RESULT(c.db->store().permissions().define(c.world.superActor, c.world.orgA.id,
                                                      QStringLiteral("acme:report:view"), {}));
    QVERIFY_RESULT(c.db->store().permissions().define(c.world.superActor, c.world.orgB.id,
                                                      QStringLiteral("globex:ship:send"), {}));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    pane->createNew();
    RoleEditor* editor = nullptr;
    QTRY_VERIFY((editor = Console::visibleTopLevel<RoleEditor>()));
    PermissionTreeModel* tree = editor->permissionModel();
    QTRY_VERIFY(tree->indexOf(QStringLiteral("acme:report:view")).isValid());
    QVERIFY(!tree->indexOf(QStringLiteral("globex:ship:send")).isValid());
    // The category says whose codes they are; the admin may check one without holding it.
    const QModelIndex own = tree->indexOf(QStringLiteral("acme:report:view"));
    QCOMPARE(own.parent().data().toString(), QStringLiteral("Own codes of acme"));
    QVERIFY(tree->flags(own) & Qt::ItemIsEnabled);
    QVERIFY(tree->setData(own, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(tree->checkedPermissions(), QStringList { QStringLiteral("acme:report:view") });

    QTest::keyClicks(child<QLineEdit>(editor, "roleCodeEdit"), QStringLiteral("report_reader"));
    QTest::keyClicks(child<QLineEdit>(editor, "roleNameEdit"), QStringLiteral("Report reader"));
    auto* save = child<QPushButton>(editor, "saveRoleButton");
    QTRY_VERIFY(save->isEnabled());
    QTest::mouseClick(save, Qt::LeftButton);
    QTRY_VERIFY(!Console::visibleTopLevel<RoleEditor>());
    auto saved = c.db->store().core().loadRole(QStringLiteral("report_reader"));
    QVERIFY_RESULT(saved);
    QCOMPARE(saved->permissions, QStringList { QStringLiteral("acme:report:view") });
}

QTEST_MAIN(TestGuiPermissionCodes)
#include "tst_gui_permission_codes.moc"
