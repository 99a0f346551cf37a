// Forms that recover and questions that say what they do (issue 16, items 1, 4 and 11), on the real
// dialogs of the real main window, against a real database (SQLite, or PostgreSQL in the _pg run).

#include "guiutil.h"
#include "messagebox.h"
#include "organizationdialogs.h"
#include "organizationspane.h"
#include "permissiontreemodel.h"
#include "roleeditor.h"
#include "rolespane.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QAbstractButton>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

template <typename W> W* child(QObject* parent, const char* name)
{
    return parent->findChild<W*>(QString::fromLatin1(name));
}

void clickButton(QAbstractButton* button)
{
    QVERIFY(button);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

// The question box open over `parent` (a confirmation or "Discard changes?"), or nullptr.
QMessageBox* openQuestion(QWidget* parent)
{
    for (QMessageBox* box : parent->findChildren<QMessageBox*>(QStringLiteral("confirmBox"))) {
        if (box->isVisible())
            return box;
    }
    return nullptr;
}

// The texts of the box's buttons, without mnemonics.
QStringList buttonTexts(QMessageBox* box)
{
    QStringList texts;
    for (QAbstractButton* b : box->buttons())
        texts << b->text().remove(QLatin1Char('&'));
    texts.sort();
    return texts;
}

QAbstractButton* buttonNamed(QMessageBox* box, const QString& text)
{
    for (QAbstractButton* b : box->buttons()) {
        if (b->text().remove(QLatin1Char('&')) == text)
            return b;
    }
    return nullptr;
}

// Where every input of the dialog sits, in the dialog's coordinates.
QHash<QString, QRect> fieldPlaces(QWidget* dialog)
{
    QHash<QString, QRect> places;
    for (QWidget* w : dialog->findChildren<QWidget*>()) {
        if (w->objectName().endsWith(QLatin1String("Edit")) || w->objectName().endsWith(QLatin1String("Combo"))
            || w->objectName().endsWith(QLatin1String("List")) || w->objectName().endsWith(QLatin1String("Button")))
            places.insert(w->objectName(), QRect(w->mapTo(dialog, QPoint(0, 0)), w->size()));
    }
    return places;
}

// The visible labels of `dialog` whose text contains `text`.
int visibleLabelsSaying(QWidget* dialog, const QString& text)
{
    int count = 0;
    for (QLabel* label : dialog->findChildren<QLabel*>()) {
        if (label->isVisible() && label->text().contains(text))
            ++count;
    }
    return count;
}

// With PORTCULLIS_TEST_SHOTS set to a folder, saves what `widget` looks like there (to look at).
void shoot(QWidget* widget, const QString& name)
{
    const QString folder = qEnvironmentVariable("PORTCULLIS_TEST_SHOTS");
    if (!folder.isEmpty())
        widget->grab().save(folder + QLatin1Char('/') + name + QStringLiteral(".png"));
}

bool selectUser(UsersPane* pane, Id id)
{
    auto* table = pane->findChild<QTableView*>(QStringLiteral("userTableView"));
    UserListModel* model = pane->model();
    int row = model->rowOf(id);
    while (row < 0 && model->canFetchMore({})) {
        QSignalSpy page(model, &LazyTableModel::pageLoaded);
        model->fetchMore({});
        page.wait(10000);
        row = model->rowOf(id);
    }
    if (row < 0)
        return false;
    table->clearSelection();
    table->selectionModel()->select(model->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    return true;
}

UserDialog* openNewUserDialog(Console& c)
{
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    if (!pane)
        return nullptr;
    pane->createNew();
    UserDialog* dialog = nullptr;
    (void)QTest::qWaitFor([&] { return (dialog = Console::visibleTopLevel<UserDialog>()) != nullptr; }, 10000);
    return dialog;
}

// Waits until the dialog's request has come back (its accept button is enabled again).
bool waitIdle(QWidget* dialog, const char* acceptName)
{
    auto* accept = child<QPushButton>(dialog, acceptName);
    return accept && QTest::qWaitFor([&] { return accept->isEnabled(); }, 15000);
}

} // namespace

class TestGuiForms : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();
    void passwordErrorGoesWhenTheFieldIsFixed();
    void emailInUseNamesItAndClearsWhenEdited();
    void submittingTwiceShowsTheMessageOnce();
    void fieldsStayInPlaceWhenErrorsComeAndGo();
    void inviteErrorKeepsTheEmailFieldAndTheWholeMessage();
    void roleEditorAsksBeforeDiscardingChanges();
    void untouchedFormsCloseWithoutAQuestion();
    void confirmationsNameTheirAction_data();
    void confirmationsNameTheirAction();
};

void TestGuiForms::cleanup()
{
    // A failed test leaves no preset answer for the next one.
    MessageBox::setNextAnswer(QMessageBox::NoButton);
}

// The red password error goes as soon as the password is edited, and the policy line (the same
// message in other words) never shows beside it: "✓ meets the policy" stands alone.
void TestGuiForms::passwordErrorGoesWhenTheFieldIsFixed()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    UserDialog* dialog = openNewUserDialog(c);
    QVERIFY(dialog);
    type(dialog, "emailEdit", QStringLiteral("fixer@example.test"));
    type(dialog, "usernameEdit", QStringLiteral("fixer"));
    type(dialog, "passwordEdit", QStringLiteral("short"));
    auto* policyLine = child<QLabel>(dialog, "passwordPolicyLabel");
    QVERIFY(policyLine->isVisible());
    clickButton(child<QPushButton>(dialog, "saveUserButton"));
    auto* error = child<QLabel>(dialog, "passwordError");
    QTRY_VERIFY(error->isVisible());
    QVERIFY(!error->text().isEmpty());
    QVERIFY2(!policyLine->isVisible(), "the policy line repeats the password error beside it");
    shoot(dialog, QStringLiteral("user-password-error"));

    // Typing in the field is fixing it: the error goes at once, the policy line comes back.
    auto* password = child<QLineEdit>(dialog, "passwordEdit");
    password->setFocus();
    QTest::keyClicks(password, QStringLiteral("X"));
    QVERIFY(!error->isVisible());
    QVERIFY(policyLine->isVisible());
    password->clear();
    QTest::keyClicks(password, kStrongPassword);
    QCOMPARE(policyLine->text(), QStringLiteral("✓ The password meets the policy"));
    shoot(dialog, QStringLiteral("user-password-fixed"));
    QVERIFY(policyLine->isVisible());
    QVERIFY(!error->isVisible());
    // No red line is left anywhere in the form.
    for (QLabel* label : dialog->findChildren<QLabel*>()) {
        if (label->objectName().endsWith(QLatin1String("Error")))
            QVERIFY2(!label->isVisible(), qPrintable(label->objectName()));
    }
}

// "Email or username already in use" says which one, with the value, under that field; editing the
// field takes it away.
void TestGuiForms::emailInUseNamesItAndClearsWhenEdited()
{
    Console c = Console::create();
    const User holder = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    UserDialog* dialog = openNewUserDialog(c);
    QVERIFY(dialog);
    type(dialog, "emailEdit", holder.email);
    type(dialog, "usernameEdit", QStringLiteral("someone_new"));
    type(dialog, "passwordEdit", kStrongPassword);
    clickButton(child<QPushButton>(dialog, "saveUserButton"));
    auto* emailError = child<QLabel>(dialog, "emailError");
    QTRY_VERIFY(emailError->isVisible());
    QVERIFY2(emailError->text().contains(holder.email), qPrintable(emailError->text()));
    QVERIFY(!child<QLabel>(dialog, "usernameError")->isVisible()); // the username is free

    // Now the username of someone else: the error is under the username, naming it.
    type(dialog, "emailEdit", QStringLiteral("brand.new@example.test"));
    QVERIFY(!emailError->isVisible());
    type(dialog, "usernameEdit", holder.username);
    clickButton(child<QPushButton>(dialog, "saveUserButton"));
    auto* usernameError = child<QLabel>(dialog, "usernameError");
    QTRY_VERIFY(usernameError->isVisible());
    QVERIFY2(usernameError->text().contains(holder.username), qPrintable(usernameError->text()));
    QVERIFY(!emailError->isVisible());
    auto* username = child<QLineEdit>(dialog, "usernameEdit");
    username->setFocus();
    QTest::keyClick(username, Qt::Key_Backspace);
    QVERIFY(!usernameError->isVisible());
    MessageBox::setNextAnswer(QMessageBox::Yes); // discard what was typed
    dialog->reject();
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
}

// The same refusal twice shows one message, not one more per submit.
void TestGuiForms::submittingTwiceShowsTheMessageOnce()
{
    Console c = Console::create();
    const User holder = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    UserDialog* dialog = openNewUserDialog(c);
    QVERIFY(dialog);
    type(dialog, "emailEdit", holder.email);
    type(dialog, "usernameEdit", QStringLiteral("twice"));
    type(dialog, "passwordEdit", kStrongPassword);
    for (int attempt = 0; attempt < 2; ++attempt) {
        clickButton(child<QPushButton>(dialog, "saveUserButton"));
        QTRY_VERIFY(child<QLabel>(dialog, "emailError")->isVisible());
        QVERIFY(waitIdle(dialog, "saveUserButton"));
        // Under its field, not again in the message under the form.
        QCOMPARE(visibleLabelsSaying(dialog, holder.email), 1);
        QVERIFY(!child<QLabel>(dialog, "dialogMessage")->isVisible());
    }
    // A weak password, twice: each problem once, under the field, not again in the policy line.
    type(dialog, "emailEdit", QStringLiteral("twice@example.test"));
    type(dialog, "passwordEdit", QStringLiteral("short"));
    for (int attempt = 0; attempt < 2; ++attempt) {
        clickButton(child<QPushButton>(dialog, "saveUserButton"));
        QTRY_VERIFY(child<QLabel>(dialog, "passwordError")->isVisible());
        QVERIFY(waitIdle(dialog, "saveUserButton"));
        const QString problem = child<QLabel>(dialog, "passwordError")->text().section(QLatin1Char('.'), 0, 0);
        QVERIFY(!problem.isEmpty());
        QCOMPARE(visibleLabelsSaying(dialog, problem), 1);
        QVERIFY(!child<QLabel>(dialog, "dialogMessage")->isVisible());
    }
    MessageBox::setNextAnswer(QMessageBox::Yes);
    dialog->reject();
}

// An error appearing under a field, and going again, moves no field and no button.
void TestGuiForms::fieldsStayInPlaceWhenErrorsComeAndGo()
{
    Console c = Console::create();
    const User holder = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    UserDialog* dialog = openNewUserDialog(c);
    QVERIFY(dialog);
    type(dialog, "emailEdit", QStringLiteral("place@example.test"));
    type(dialog, "usernameEdit", holder.username);
    type(dialog, "passwordEdit", kStrongPassword);
    QTest::qWait(50); // laid out
    const QHash<QString, QRect> before = fieldPlaces(dialog);
    const QSize sizeBefore = dialog->size();
    QVERIFY(before.contains(QStringLiteral("emailEdit")) && before.contains(QStringLiteral("saveUserButton")));

    clickButton(child<QPushButton>(dialog, "saveUserButton"));
    auto* error = child<QLabel>(dialog, "usernameError");
    QTRY_VERIFY(error->isVisible());
    QVERIFY(waitIdle(dialog, "saveUserButton"));
    QTest::qWait(50);
    QCOMPARE(fieldPlaces(dialog), before);
    QCOMPARE(dialog->size(), sizeBefore);

    auto* username = child<QLineEdit>(dialog, "usernameEdit");
    username->setFocus();
    QTest::keyClicks(username, QStringLiteral("_2"));
    QVERIFY(!error->isVisible());
    QTest::qWait(50);
    QCOMPARE(fieldPlaces(dialog), before);
    QCOMPARE(dialog->size(), sizeBefore);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    dialog->reject();
}

// The Invite dialog's error (a long address, a long message) wraps under the email field: the field
// keeps its height and the message is whole.
void TestGuiForms::inviteErrorKeepsTheEmailFieldAndTheWholeMessage()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    NewUser longNamed;
    longNamed.email = QStringLiteral("a.rather.long.address.for.the.invitation.test@example-organization.test");
    longNamed.username = QStringLiteral("longnamed");
    longNamed.password = kStrongPassword;
    longNamed.organizationId = c.world.orgA.id;
    QVERIFY(c.db->store().users().create(c.world.superActor, longNamed).ok());
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->selectedOrganization() && pane->selectedOrganization()->id == c.world.orgA.id);
    auto* invite = child<QAction>(pane, "inviteAction");
    QTRY_VERIFY(invite->isEnabled());
    invite->trigger();
    InvitationDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<InvitationDialog>()));
    auto* email = child<QLineEdit>(dialog, "invitationEmailEdit");
    QTest::qWait(50);
    const int emailHeight = email->height();
    QVERIFY(emailHeight >= email->sizeHint().height());
    QTest::keyClicks(email, longNamed.email);
    clickButton(child<QPushButton>(dialog, "sendInvitationButton"));
    auto* error = child<QLabel>(dialog, "emailError");
    QTRY_VERIFY(error->isVisible());
    QVERIFY(waitIdle(dialog, "sendInvitationButton"));
    QTest::qWait(50);
    QVERIFY2(error->text().contains(longNamed.email), qPrintable(error->text()));
    shoot(dialog, QStringLiteral("invite-email-error"));
    QCOMPARE(email->height(), emailHeight);
    // The whole message fits the label (wrapped, not cut), below the field, inside the dialog.
    QVERIFY(error->wordWrap());
    QVERIFY(error->width() >= error->minimumSizeHint().width()); // the long address is not cut off
    QVERIFY2(error->height() >= error->heightForWidth(error->width()),
             qPrintable(QStringLiteral("%1 < %2").arg(error->height()).arg(error->heightForWidth(error->width()))));
    const QRect fieldRect(email->mapTo(dialog, QPoint(0, 0)), email->size());
    const QRect errorRect(error->mapTo(dialog, QPoint(0, 0)), error->size());
    QVERIFY(!fieldRect.intersects(errorRect));
    QVERIFY(dialog->rect().contains(errorRect));
    const QRect roleRect(child<QWidget>(dialog, "invitationRoleCombo")->mapTo(dialog, QPoint(0, 0)),
                         child<QWidget>(dialog, "invitationRoleCombo")->size());
    QVERIFY(!roleRect.intersects(errorRect));
    MessageBox::setNextAnswer(QMessageBox::Yes);
    dialog->reject();
    QTRY_VERIFY(!Console::visibleTopLevel<InvitationDialog>());
}

// Escape or Cancel on a changed role form asks; Keep editing keeps the dialog and what was typed,
// Discard closes it. A permission checked is a change too.
void TestGuiForms::roleEditorAsksBeforeDiscardingChanges()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    pane->createNew();
    RoleEditor* editor = nullptr;
    QTRY_VERIFY((editor = Console::visibleTopLevel<RoleEditor>()));
    QTRY_VERIFY(editor->permissionModel()->rowCount() > 0);
    auto* code = child<QLineEdit>(editor, "roleCodeEdit");
    code->setFocus();
    QTest::keyClicks(code, QStringLiteral("half_done"));

    QTest::keyClick(code, Qt::Key_Escape);
    QMessageBox* question = nullptr;
    QTRY_VERIFY((question = openQuestion(editor)));
    QCOMPARE(question->windowTitle(), QStringLiteral("Discard changes?"));
    shoot(question, QStringLiteral("discard-question"));
    QCOMPARE(buttonTexts(question), (QStringList { QStringLiteral("Discard"), QStringLiteral("Keep editing") }));
    QCOMPARE(question->defaultButton()->text().remove(QLatin1Char('&')), QStringLiteral("Keep editing"));
    clickButton(buttonNamed(question, QStringLiteral("Keep editing")));
    QTRY_VERIFY(!openQuestion(editor));
    QVERIFY(editor->isVisible());
    QCOMPARE(code->text(), QStringLiteral("half_done"));

    // Back as it was: no question. Then only a permission checked: a question.
    code->clear();
    const QModelIndex permission = editor->permissionModel()->indexOf(QStringLiteral("admin:user:view"));
    QVERIFY(editor->permissionModel()->setData(permission, Qt::Checked, Qt::CheckStateRole));
    QVERIFY(editor->hasChanges());
    auto* buttons = editor->findChild<QDialogButtonBox*>();
    clickButton(buttons->button(QDialogButtonBox::Cancel));
    QTRY_VERIFY((question = openQuestion(editor)));
    clickButton(buttonNamed(question, QStringLiteral("Discard")));
    QTRY_VERIFY(!Console::visibleTopLevel<RoleEditor>());
    QCOMPARE(editor->result(), int(QDialog::Rejected));
}

// A form closed as it was opened asks nothing (the role editor, a new user, an invitation).
void TestGuiForms::untouchedFormsCloseWithoutAQuestion()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* roles = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(roles);
    roles->createNew();
    RoleEditor* editor = nullptr;
    QTRY_VERIFY((editor = Console::visibleTopLevel<RoleEditor>()));
    QTRY_VERIFY(editor->permissionModel()->rowCount() > 0); // loading the catalog is no change
    QVERIFY(!editor->hasChanges());
    QTest::keyClick(child<QLineEdit>(editor, "roleCodeEdit"), Qt::Key_Escape);
    QTRY_VERIFY(!Console::visibleTopLevel<RoleEditor>());
    QVERIFY(!openQuestion(editor));

    UserDialog* dialog = openNewUserDialog(c);
    QVERIFY(dialog);
    // A filter or typing and taking it back is no change either.
    auto* email = child<QLineEdit>(dialog, "emailEdit");
    email->setFocus();
    QTest::keyClicks(email, QStringLiteral("x"));
    QTest::keyClick(email, Qt::Key_Backspace);
    clickButton(dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Cancel));
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
    QVERIFY(!openQuestion(dialog));
}

void TestGuiForms::confirmationsNameTheirAction_data()
{
    QTest::addColumn<QString>("actionName");
    QTest::addColumn<QString>("button");
    QTest::newRow("delete a user") << QStringLiteral("deleteUserAction") << QStringLiteral("Delete");
    QTest::newRow("suspend a user") << QStringLiteral("suspendUserAction") << QStringLiteral("Suspend");
}

// The question names what happens on its button; Cancel (the default) does nothing.
void TestGuiForms::confirmationsNameTheirAction()
{
    QFETCH(QString, actionName);
    QFETCH(QString, button);
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    QVERIFY(selectUser(pane, target.id));
    auto* action = pane->findChild<QAction*>(actionName);
    QTRY_VERIFY(action->isEnabled());
    action->trigger();
    QMessageBox* question = nullptr;
    QTRY_VERIFY((question = openQuestion(pane)));
    QStringList expected { button, QStringLiteral("Cancel") };
    expected.sort();
    QCOMPARE(buttonTexts(question), expected);
    QVERIFY(!question->button(QMessageBox::Yes) && !question->button(QMessageBox::No));
    QVERIFY(question->text().contains(target.email));
    shoot(question, QStringLiteral("confirm-") + button.toLower());
    QCOMPARE(question->defaultButton(), question->button(QMessageBox::Cancel));
    clickButton(question->button(QMessageBox::Cancel));
    QTRY_VERIFY(!openQuestion(pane));
    const auto stored = c.db->store().core().loadUser(target.id);
    QVERIFY(stored.ok());
    QVERIFY(stored->active && !stored->deleted);
}

QTEST_MAIN(TestGuiForms)
#include "tst_gui_forms.moc"
