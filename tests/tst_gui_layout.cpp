// Layouts that fit a small window: the real console on a demo database (portcullis-server init and
// seed-demo), every pane with a row selected and every main dialog, at 1024×700 and at 800×600, each
// widget checked by layoutcheck.h (inside its parent, not crushed, not overlapping a sibling, text
// not cut). The window's minimum size fits 800×600 and no pane forces the window wider when it
// opens. The new-user and invite dialogs are checked again after a submit with bad values (the
// field errors appear in the open dialog). Screenshots go to $PORTCULLIS_LAYOUT_SHOTS when it is set.
// The tst_gui_layout_200 variant runs the same at QT_SCALE_FACTOR=2: the same logical sizes, i.e.
// 2048×1400 and 1600×1200 device pixels (a 1600×1200 screen at 200 % is an 800×600 desktop);
// _de and _fr in German and French (PORTCULLIS_LAYOUT_LANG), _pg on PostgreSQL.

#include "apikeydialog.h"
#include "connectdialog.h"
#include "guiutil.h"
#include "language.h"
#include "layoutcheck.h"
#include "organizationdialogs.h"
#include "permissioncodesdialog.h"
#include "preferencesdialog.h"
#include "roleeditor.h"
#include "serverprocess.h"
#include "userdialogs.h"

#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QItemSelectionModel>
#include <QScreen>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kTimeout = 30000;

const QList<QSize> kSizes = { QSize(1024, 700), QSize(800, 600) };

QString sizeName(const QSize& s)
{
    return QStringLiteral("%1x%2").arg(s.width()).arg(s.height());
}

// Saves what `w` shows to $PORTCULLIS_LAYOUT_SHOTS/<name>.png (device pixels: twice the size at 200 %).
void saveShot(QWidget* w, const QString& name)
{
    const QString dir = qEnvironmentVariable("PORTCULLIS_LAYOUT_SHOTS");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    const QString scale = qEnvironmentVariable("QT_SCALE_FACTOR");
    QString prefix = scale.isEmpty() || scale == QLatin1String("1") ? QString() : QStringLiteral("scale%1-").arg(scale);
    if (const QString code = qEnvironmentVariable("PORTCULLIS_LAYOUT_LANG"); !code.isEmpty())
        prefix += code + QLatin1Char('-');
    QVERIFY(w->grab().save(dir + QLatin1Char('/') + prefix + name + QStringLiteral(".png"), "PNG"));
}

QString problemsText(const QStringList& problems)
{
    return problems.join(QLatin1String("\n  "));
}

// Lets pending layout requests and resize events run.
void settle()
{
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QTest::qWait(50);
}

} // namespace

class TestGuiLayout : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void windowFitsSmallScreens();
    void panes_data();
    void panes();
    void dialogs_data();
    void dialogs();

private:
    QDialog* openDialog(const QString& name);
    void sizeDialog(QDialog* dialog, const QSize& screen);
    void checkDialog(QDialog* dialog, const QSize& screen, const QString& shot);

    std::unique_ptr<TestDatabase> m_db;
    std::unique_ptr<SqlBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;
};

void TestGuiLayout::initTestCase()
{
    QVERIFY2(!serverBinary().isEmpty(), "PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QStandardPaths::setTestModeEnabled(true); // the preferences and the connection profiles
    // PORTCULLIS_LAYOUT_LANG=de: the same in German (longer words than English), as --lang de does.
    if (const QString code = qEnvironmentVariable("PORTCULLIS_LAYOUT_LANG"); !code.isEmpty())
        QVERIFY2(language::apply(code, language::localeFor(code, code, QLocale::system())), qPrintable(code));
    m_db = TestDatabase::create();
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_db->tempPath(), &error), qPrintable(error));
    const CommandRun seeded = runCommand({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                                           QStringLiteral("--tenants"), QStringLiteral("4"), QStringLiteral("--users"),
                                           QStringLiteral("300"), QStringLiteral("--events"), QStringLiteral("3000") });
    QVERIFY2(seeded.exitCode == 0, qPrintable(seeded.all()));
    m_backend = std::make_unique<SqlBackend>(m_db->config());
    const auto signedIn = awaitResult(m_backend->signIn(kRootEmail, kRootPassword));
    QVERIFY2(signedIn.ok(), qPrintable(signedIn.ok() ? QString() : signedIn.error().toString()));
    m_window = std::make_unique<MainWindow>(m_backend.get());
    addAllPanes(m_window.get(), m_backend.get());
    m_window->resize(kSizes.first());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestGuiLayout::cleanupTestCase()
{
    m_window.reset();
    m_backend.reset();
    m_db.reset();
}

// The window can be made 800×600 after every pane has been shown (their minimum sizes all count),
// and showing a pane in a small window leaves the window its size (the dashboard forced 1155 px).
void TestGuiLayout::windowFitsSmallScreens()
{
    for (const QSize& size : kSizes) {
        m_window->resize(size);
        settle();
        for (const QString& name : m_window->paneNames()) {
            QVERIFY(m_window->showPane(name));
            QTRY_VERIFY_WITH_TIMEOUT(m_window->pane(name)->isLoaded(), kTimeout);
            settle();
            QVERIFY2(m_window->size() == size,
                     qPrintable(QStringLiteral("showing %1 made the window %2 instead of %3; the widest:\n    %4")
                                    .arg(name, layout::sizeText(m_window->size()), layout::sizeText(size),
                                         layout::widestPath(m_window.get()))));
        }
    }
    const QSize minimum = m_window->minimumSizeHint().expandedTo(m_window->minimumSize());
    QVERIFY2(minimum.width() <= 800 && minimum.height() <= 600,
             qPrintable(QStringLiteral("the window needs at least %1").arg(layout::sizeText(minimum))));
}

void TestGuiLayout::panes_data()
{
    QTest::addColumn<QString>("pane");
    QTest::addColumn<QSize>("size");
    for (const QSize& size : kSizes) {
        for (const QString& name : allPaneNames())
            QTest::addRow("%s at %s", qPrintable(name), qPrintable(sizeName(size))) << name << size;
    }
}

// Each pane with its first row selected (so the details panel shows a record) fits the window.
void TestGuiLayout::panes()
{
    QFETCH(QString, pane);
    QFETCH(QSize, size);
    QVERIFY(m_window->showPane(pane));
    Pane* p = m_window->pane(pane);
    QTRY_VERIFY_WITH_TIMEOUT(p->isLoaded(), kTimeout);
    m_window->resize(size);
    settle();
    QVERIFY2(m_window->size() == size,
             qPrintable(QStringLiteral("the window is %1 instead of %2; the widest:\n    %3")
                            .arg(layout::sizeText(m_window->size()), layout::sizeText(size),
                                 layout::widestPath(m_window.get()))));
    if (auto* table = p->findChild<QTableView*>(); table && table->isVisible()) {
        QTRY_VERIFY_WITH_TIMEOUT(table->model() && table->model()->rowCount() > 0, kTimeout);
        table->setFocus();
        table->selectionModel()->setCurrentIndex(table->model()->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QTest::qWait(300); // details that load on selection
        settle();
    }
    saveShot(m_window.get(), sizeName(size) + QLatin1Char('-') + pane);
    const QStringList problems = layout::check(m_window.get());
    QVERIFY2(problems.isEmpty(),
             qPrintable(QStringLiteral("%1 at %2:\n  %3").arg(pane, sizeName(size), problemsText(problems))));
    QCOMPARE(m_window->size(), size);
}

void TestGuiLayout::dialogs_data()
{
    QTest::addColumn<QString>("dialog");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("withErrors");
    for (const QSize& size : kSizes) {
        for (const char* name :
             { "new-user", "invite", "role-editor", "api-key", "edit-api-key", "rotate-api-key", "preferences",
               "connect", "permission-codes", "deployment-settings", "move-user", "import-users" })
            QTest::addRow("%s at %s", name, qPrintable(sizeName(size))) << QString::fromLatin1(name) << size << false;
        // Submitted with bad values: the field errors and the message take room too.
        for (const char* name : { "new-user", "invite" })
            QTest::addRow("%s with errors at %s", name, qPrintable(sizeName(size)))
                << QString::fromLatin1(name) << size << true;
    }
}

// The dialog the user opens (through the console's own actions), as the window system sizes it on
// a screen of `size`, fits the screen and lays out cleanly.
void TestGuiLayout::dialogs()
{
    QFETCH(QString, dialog);
    QFETCH(QSize, size);
    QFETCH(bool, withErrors);
    m_window->resize(size);
    QDialog* d = openDialog(dialog);
    QVERIFY2(d, qPrintable(dialog));
    if (withErrors) {
        // As it opened; the errors then appear in the open dialog, which keeps its size (or grows).
        sizeDialog(d, size);
        // "x" in every empty field (no valid email, name or password), then the accepting button.
        for (QLineEdit* edit : d->findChildren<QLineEdit*>()) {
            if (edit->isVisible() && edit->isEnabled() && !edit->isReadOnly() && edit->text().isEmpty()
                && !qobject_cast<QAbstractSpinBox*>(edit->parentWidget())
                && !qobject_cast<QComboBox*>(edit->parentWidget()))
                QTest::keyClicks(edit, QStringLiteral("x"));
        }
        auto* buttons = d->findChild<QDialogButtonBox*>();
        QVERIFY(buttons);
        QAbstractButton* accept = nullptr;
        for (QAbstractButton* b : buttons->buttons()) {
            if (buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
                accept = b;
        }
        QVERIFY(accept);
        QTRY_VERIFY(accept->isEnabled());
        QTest::mouseClick(accept, Qt::LeftButton);
        auto errorShown = [d] {
            for (QLabel* label : d->findChildren<QLabel*>()) {
                const QString name = label->objectName();
                if (label->isVisible() && !label->text().isEmpty()
                    && (name.endsWith(QLatin1String("Error")) || name.endsWith(QLatin1String("Message"))))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(errorShown(), kTimeout);
        QVERIFY(d->isVisible());
    }
    if (!withErrors)
        sizeDialog(d, size);
    checkDialog(d, size,
                sizeName(size) + QStringLiteral("-dialog-") + dialog
                    + (withErrors ? QStringLiteral("-errors") : QString()));
    // Closed without the "Discard changes?" question a changed form asks (tst_gui_forms tests it).
    d->done(QDialog::Rejected);
    if (dialog == QLatin1String("connect"))
        delete d;
    QTRY_VERIFY(!QApplication::activeModalWidget());
}

QDialog* TestGuiLayout::openDialog(const QString& name)
{
    auto waitFor = [](auto* typed) -> QDialog* {
        using T = std::remove_pointer_t<decltype(typed)>;
        T* found = nullptr;
        for (int i = 0; i < 300 && !found; ++i) {
            found = Console::visibleTopLevel<T>();
            if (!found)
                QTest::qWait(50);
        }
        return found;
    };
    auto paneReady = [this](const QString& pane) {
        m_window->showPane(pane);
        Pane* p = m_window->pane(pane);
        for (int i = 0; i < 300 && !p->isLoaded(); ++i)
            QTest::qWait(50);
        return p;
    };
    if (name == QLatin1String("new-user")) {
        paneReady(QStringLiteral("users"))->createNew();
        return waitFor(static_cast<UserDialog*>(nullptr));
    }
    if (name == QLatin1String("invite")) {
        Pane* p = paneReady(QStringLiteral("organizations"));
        auto* table = p->findChild<QTableView*>();
        if (!table || table->model()->rowCount() == 0)
            return nullptr;
        table->selectionModel()->setCurrentIndex(table->model()->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QAction* invite = findAction(p, "inviteAction");
        if (!invite)
            return nullptr;
        for (int i = 0; i < 300 && !invite->isEnabled(); ++i)
            QTest::qWait(50);
        invite->trigger();
        return waitFor(static_cast<InvitationDialog*>(nullptr));
    }
    if (name == QLatin1String("role-editor")) {
        paneReady(QStringLiteral("roles"))->createNew();
        return waitFor(static_cast<RoleEditor*>(nullptr));
    }
    if (name == QLatin1String("api-key")) {
        paneReady(QStringLiteral("api-keys"))->createNew();
        return waitFor(static_cast<ApiKeyDialog*>(nullptr));
    }
    if (name == QLatin1String("edit-api-key") || name == QLatin1String("rotate-api-key")) {
        // As registered for --dialog: over the API keys pane, on a listed key; the edit dialog
        // reads the key and the owner's scopes first.
        paneReady(QStringLiteral("api-keys"));
        QDialog* dialog = m_window->openDialog(name);
        for (int i = 0; dialog && i < 300 && dialog->property("loading").toBool(); ++i)
            QTest::qWait(50);
        return dialog;
    }
    if (name == QLatin1String("preferences")) {
        QAction* preferences = findAction(m_window.get(), "preferencesAction");
        if (!preferences)
            return nullptr;
        preferences->trigger();
        return waitFor(static_cast<PreferencesDialog*>(nullptr));
    }
    if (name == QLatin1String("permission-codes")) {
        QAction* codes = findAction(paneReady(QStringLiteral("roles")), "permissionCodesAction");
        if (!codes)
            return nullptr;
        codes->trigger();
        return waitFor(static_cast<PermissionCodesDialog*>(nullptr));
    }
    if (name == QLatin1String("connect")) {
        // The launcher's dialog, before any window: shown on its own.
        auto* dialog = new ConnectDialog;
        dialog->show();
        return dialog;
    }
    // The power tools (issue 13), as registered for --dialog, once they have what they show.
    QDialog* dialog = m_window->openDialog(name);
    for (int i = 0; dialog && i < 300 && dialog->property("loading").toBool(); ++i)
        QTest::qWait(50);
    return dialog;
}

// Sizes the dialog as QWidget::adjustSize does when it opens on a screen of `screen`: its size hint,
// at most two thirds of the screen, never below its minimum size.
void TestGuiLayout::sizeDialog(QDialog* dialog, const QSize& screen)
{
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    settle();
    const QSize minimum = dialog->minimumSizeHint().expandedTo(dialog->minimumSize());
    QSize size = dialog->sizeHint();
    if (dialog->layout() && dialog->layout()->hasHeightForWidth())
        size.setHeight(dialog->layout()->totalHeightForWidth(size.width()));
    dialog->resize(size.boundedTo(screen * 2 / 3).expandedTo(minimum));
    settle();
}

// The dialog, as it is now, fits the screen and lays out cleanly.
void TestGuiLayout::checkDialog(QDialog* dialog, const QSize& screen, const QString& shot)
{
    settle();
    const QSize minimum = dialog->minimumSizeHint().expandedTo(dialog->minimumSize());
    // A title bar and a panel take some of the screen.
    const QSize room = screen - QSize(0, 60);
    QVERIFY2(minimum.width() <= room.width() && minimum.height() <= room.height(),
             qPrintable(QStringLiteral("%1 needs at least %2, more than a %3 screen has; the widest:\n    %4")
                            .arg(layout::describe(dialog), layout::sizeText(minimum), layout::sizeText(screen),
                                 layout::widestPath(dialog))));
    QVERIFY2(
        dialog->width() <= room.width() && dialog->height() <= room.height(),
        qPrintable(QStringLiteral("%1 is %2, more than a %3 screen has")
                       .arg(layout::describe(dialog), layout::sizeText(dialog->size()), layout::sizeText(screen))));
    saveShot(dialog, shot);
    const QStringList problems = layout::check(dialog);
    QVERIFY2(
        problems.isEmpty(),
        qPrintable(
            QStringLiteral("%1 at %2:\n  %3").arg(shot, layout::sizeText(dialog->size()), problemsText(problems))));
}

QTEST_MAIN(TestGuiLayout)
#include "tst_gui_layout.moc"
