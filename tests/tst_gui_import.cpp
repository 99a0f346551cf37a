// File > Import users… on the real main window against a real database (SQLite, or PostgreSQL in
// the _pg run): the preview table shows every row's classification before anything is written, the
// import runs with a progress bar and stops on Cancel (rows created stay), the results and the
// one-time codes are saved to files, and a saved code sets the new user's password.

#include "domain/userimport.h"
#include "guiutil.h"
#include "messagebox.h"
#include "userimportdialog.h"
#include "userspane.h"

#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

void clickButton(QWidget* parent, const char* name)
{
    auto* button = parent->findChild<QPushButton*>(QString::fromLatin1(name));
    QVERIFY2(button, name);
    QTRY_VERIFY(button->isVisible() && button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write the test file");
    return path;
}

QStringList column(QTableWidget* table, int column)
{
    QStringList values;
    for (int row = 0; row < table->rowCount(); ++row)
        values << (table->item(row, column) ? table->item(row, column)->text() : QString());
    return values;
}

// Opens File > Import users… and previews `path` through Choose File….
UserImportDialog* openAndPreview(Console& c, const QString& path)
{
    QAction* action = findAction(c.window.get(), "importUsersAction");
    if (!action)
        return nullptr;
    action->trigger();
    UserImportDialog* dialog = nullptr;
    if (!QTest::qWaitFor([&] { return (dialog = Console::visibleTopLevel<UserImportDialog>()) != nullptr; }, 10000))
        return nullptr;
    QSignalSpy shown(dialog, &UserImportDialog::previewShown);
    FileDialog::setNextFileName(path);
    auto* choose = dialog->findChild<QPushButton*>(QStringLiteral("importChooseButton"));
    QTest::mouseClick(choose, Qt::LeftButton);
    if (!shown.wait(30000))
        return nullptr;
    return dialog;
}

} // namespace

class TestGuiImport : public QObject
{
    Q_OBJECT

private slots:
    void previewShowsEveryRowBeforeWriting();
    void importWithProgressCancelAndSavedFiles();
    void exportUsersWritesTheFilteredList();
};

void TestGuiImport::previewShowsEveryRowBeforeWriting()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("already.here"));
    QVERIFY(c.open(admin));
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("users.csv"),
                                   "\xEF\xBB\xBF"
                                   "Email;Username;Full name;Roles;Organization\r\n"
                                   "gui.one@example.test;guione;\"One; First\";user;acme\r\n"
                                   "not-an-email;guitwo;Two;user;\r\n"
                                   "already.here@example.test;guithree;Three;user;\r\n"
                                   "gui.four@example.test;guifour;Four;admin;\r\n"
                                   "gui.five@example.test;guifive;Five;user;globex\r\n");
    const qint64 users = countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM users"));
    UserImportDialog* dialog = openAndPreview(c, path);
    QVERIFY(dialog);
    auto* table = dialog->findChild<QTableWidget*>(QStringLiteral("importPreviewTable"));
    QVERIFY(table);
    QCOMPARE(table->rowCount(), 5);
    QCOMPARE(column(table, 0),
             (QStringList { QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"), QStringLiteral("5"),
                            QStringLiteral("6") }));
    QStringList outcomes;
    for (int row = 0; row < table->rowCount(); ++row)
        outcomes << table->item(row, 4)->data(Qt::UserRole).toString();
    QCOMPARE(outcomes,
             (QStringList { QStringLiteral("will_create"), QStringLiteral("error"), QStringLiteral("exists"),
                            QStringLiteral("error"), QStringLiteral("error") }));
    QVERIFY(table->item(1, 5)->text().contains(QStringLiteral("email"), Qt::CaseInsensitive));
    QVERIFY(table->item(3, 5)->text().contains(QStringLiteral("admin")));
    QVERIFY(table->item(4, 5)->text().contains(QStringLiteral("globex")));
    QCOMPARE(table->item(0, 3)->text(), c.world.orgA.name);
    auto* summary = dialog->findChild<QLabel*>(QStringLiteral("importSummaryLabel"));
    QVERIFY(summary->text().contains(QStringLiteral("Nothing has been written")));
    // Nothing written yet.
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM users")), users);
    dialog->reject();
}

void TestGuiImport::importWithProgressCancelAndSavedFiles()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    // Room for the file: the test organization's plan holds 50.
    QVERIFY_RESULT(c.db->store().organizations().update(Actor::system(), c.world.orgA.id,
                                                        OrganizationUpdate { {}, {}, 100000, {} }));
    QTemporaryDir dir;
    constexpr int rows = 3000;
    QByteArray csv = "email,username,full name\n";
    for (int i = 1; i <= rows; ++i)
        csv += QStringLiteral("bulk%1@example.test,bulkuser%1,Bulk %1\n").arg(i).toUtf8();
    UserImportDialog* dialog = openAndPreview(c, writeFile(dir, QStringLiteral("bulk.csv"), csv));
    QVERIFY(dialog);
    QCOMPARE(dialog->report().count(ImportOutcome::WillCreate), rows);

    // Import (confirmed), then Stop once the bar has moved: the rows created stay.
    QSignalSpy finished(dialog, &UserImportDialog::importFinished);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    clickButton(dialog, "importButton");
    auto* bar = dialog->findChild<QProgressBar*>(QStringLiteral("importProgressBar"));
    QTRY_VERIFY(bar->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(bar->value() >= 1, 30000);
    clickButton(dialog, "importCancelButton");
    QVERIFY(finished.wait(60000));
    const ImportReport& report = dialog->report();
    QVERIFY(report.cancelled);
    const int created = report.count(ImportOutcome::Created);
    QVERIFY2(created >= 1 && created < rows, qPrintable(QString::number(created)));
    QCOMPARE(created + report.count(ImportOutcome::NotRun), rows);
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM users WHERE email LIKE 'bulk%'")), created);
    auto* table = dialog->findChild<QTableWidget*>(QStringLiteral("importPreviewTable"));
    QVERIFY(!table->isColumnHidden(6));
    QVERIFY(!table->item(0, 6)->text().isEmpty()); // the code, shown once

    // Save the results (no codes), then export the codes after the warning.
    const QString resultsPath = dir.filePath(QStringLiteral("results.csv"));
    FileDialog::setNextFileName(resultsPath);
    clickButton(dialog, "importSaveResultsButton");
    QFile results(resultsPath);
    QVERIFY(results.open(QIODevice::ReadOnly));
    const QList<QByteArray> resultLines = results.readAll().split('\n');
    QCOMPARE(resultLines.first().trimmed(),
             QByteArray("row,email,username,organization_id,outcome,problem,message,user_id"));
    QCOMPARE(resultLines.size(), rows + 2); // header, rows, the empty rest after the last CRLF

    const QString codesPath = dir.filePath(QStringLiteral("codes.csv"));
    MessageBox::setNextAnswer(QMessageBox::Yes);
    FileDialog::setNextFileName(codesPath);
    clickButton(dialog, "importExportCodesButton");
    QTRY_VERIFY(QFile::exists(codesPath));
    QCOMPARE(QFile::permissions(codesPath) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    QFile codes(codesPath);
    QVERIFY(codes.open(QIODevice::ReadOnly));
    const QList<QByteArray> codeLines = codes.readAll().split('\n');
    QVERIFY(codeLines.first().trimmed().endsWith(",code"));
    const QString firstCode = QString::fromUtf8(codeLines.at(1).trimmed().split(',').last());
    QCOMPARE(firstCode, report.rows.at(0).code);
    // The exported code works, once.
    QVERIFY_RESULT(c.db->store().tokens().resetPassword(firstCode, kStrongPassword));
    QVERIFY_RESULT(c.db->store().auth().login(QStringLiteral("bulk1@example.test"), kStrongPassword));
    dialog->reject();
}

void TestGuiImport::exportUsersWritesTheFilteredList()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    for (int i = 1; i <= 4; ++i)
        c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("listed.person%1").arg(i));
    c.world.makeUser(c.world.orgB.id, QStringLiteral("user"), QStringLiteral("listed.other"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    type(pane, "userSearchEdit", QStringLiteral("listed"));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("listed.csv"));
    FileDialog::setNextFileName(path);
    QSignalSpy status(pane, &Pane::statusMessage);
    findAction(c.window.get(), "exportUsersAction")->trigger();
    QVERIFY(!waitForStatus(status, QStringLiteral("Exported")).isEmpty());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    QCOMPARE(content.count('\n'), 5); // the header and tenant A's four
    QVERIFY(!content.contains("listed.other"));
    QCOMPARE(
        countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.exported'")),
        1);
}

QTEST_MAIN(TestGuiImport)
#include "tst_gui_import.moc"
