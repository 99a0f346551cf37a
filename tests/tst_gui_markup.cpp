// Values from the database are shown as the text they are. Markup planted in every field an
// attacker can fill (a full name, an organization's name, a role's name and description, a ban
// reason, an API key's name) must appear literally in every pane, details panel, dialog and
// tooltip: a label that rendered it would show a bold word, or load a local file through <img>.

#include "backendidle.h"
#include "guiutil.h"
#include "pane.h"
#include "plaintext.h"

#include <QLabel>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>
#include <QToolTip>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// Rendered as rich text, this would load a local file and show "pwned" in bold.
const QString kMarkup = QStringLiteral("<img src=\"file:///etc/hostname\"><b>pwned</b>");

// Every visible label that shows the planted markup, and those among them that would render it.
struct LabelScan
{
    int literal = 0;
    QStringList rendered;
};

LabelScan scanLabels()
{
    LabelScan scan;
    for (QWidget* widget : QApplication::allWidgets()) {
        auto* label = qobject_cast<QLabel*>(widget);
        if (!label || !label->isVisible() || !label->text().contains(QLatin1String("<b>pwned</b>")))
            continue;
        const bool rich = label->textFormat() == Qt::RichText
            || (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
        if (rich)
            scan.rendered << label->objectName() + QStringLiteral(": ") + label->text();
        else
            ++scan.literal;
    }
    return scan;
}

} // namespace

class TestGuiMarkup : public QObject
{
    Q_OBJECT

private slots:
    void markupFromTheDatabaseIsShownLiterally();
    void tooltipsShowMarkupLiterally();
    void richTextLabelsEscapeTheirValues();
};

void TestGuiMarkup::markupFromTheDatabaseIsShownLiterally()
{
    Console c = Console::create();
    SqlStore& store = c.db->store();
    const Actor& root = c.world.superActor;
    // Planted through the managers where they accept it, and with SQL (a database writer, or an
    // older version's data) where validation would refuse it.
    NewUser victim;
    victim.email = QStringLiteral("victim@example.test");
    victim.username = QStringLiteral("victim");
    victim.fullName = kMarkup;
    victim.password = kStrongPassword;
    victim.organizationId = c.world.orgA.id;
    auto user = store.users().create(root, victim);
    QVERIFY_RESULT(user);
    QVERIFY_RESULT(store.users().ban(root, user->id, QStringLiteral("Reason: ") + kMarkup));
    NewRole role;
    role.code = QStringLiteral("markup_role");
    role.name = QStringLiteral("Role ") + kMarkup;
    role.description = kMarkup;
    role.level = 30;
    role.organizationId = c.world.orgA.id;
    role.permissions = { QStringLiteral("admin:user:view") };
    QVERIFY_RESULT(store.roles().create(root, role));
    NewApiKey key;
    key.name = QStringLiteral("Key ") + kMarkup;
    key.userId = c.world.superAdmin.id;
    key.scopes = { QStringLiteral("admin:user:view") };
    QVERIFY_RESULT(store.apiKeys().create(root, key));
    QSqlQuery q(store.core().db());
    q.prepare(QStringLiteral("UPDATE organizations SET name = ? WHERE id = ?"));
    q.addBindValue(QString(QStringLiteral("Org ") + kMarkup));
    q.addBindValue(c.world.orgA.id);
    QVERIFY(q.exec());

    QVERIFY(c.open(c.world.superAdmin));
    int literal = 0;
    for (const QString& name :
         { QStringLiteral("dashboard"), QStringLiteral("organizations"), QStringLiteral("users"),
           QStringLiteral("roles"), QStringLiteral("api-keys"), QStringLiteral("sessions"), QStringLiteral("audit") }) {
        auto* pane = c.showPane<Pane>(name);
        QVERIFY2(pane, qPrintable(name));
        // Select each of the first rows in turn, so the details panel shows each item.
        for (QTableView* table : pane->findChildren<QTableView*>()) {
            if (!table->isVisible() || !table->model())
                continue;
            const int rows = std::min(table->model()->rowCount(), 12);
            for (int row = 0; row < rows; ++row) {
                table->selectRow(row);
                QApplication::processEvents();
                QVERIFY(waitUntilIdle(*c.backend)); // details that load their extras have arrived
                const LabelScan scan = scanLabels();
                QVERIFY2(
                    scan.rendered.isEmpty(),
                    qPrintable(name + QStringLiteral(" renders markup: ") + scan.rendered.join(QLatin1String("; "))));
                literal += scan.literal;
            }
        }
    }
    // The scan saw the planted values (the details panels show them), so it proves something.
    QVERIFY2(literal >= 4, qPrintable(QString::number(literal)));
}

void TestGuiMarkup::tooltipsShowMarkupLiterally()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    QToolTip::showText(c.window->mapToGlobal(QPoint(20, 20)), kMarkup, c.window.get());
    QLabel* tip = nullptr;
    QTRY_VERIFY((tip = qobject_cast<QLabel*>([] {
                     for (QWidget* w : QApplication::topLevelWidgets())
                         if (w->inherits("QTipLabel") && w->isVisible())
                             return w;
                     return static_cast<QWidget*>(nullptr);
                 }())));
    QCOMPARE(tip->text(), kMarkup);
    QCOMPARE(tip->textFormat(), Qt::PlainText);
    QToolTip::hideText();
}

void TestGuiMarkup::richTextLabelsEscapeTheirValues()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    // A label made rich on purpose keeps its format; the value inside it is escaped.
    QLabel rich(QStringLiteral("<b>%1</b>").arg(plaintext::escaped(kMarkup)));
    rich.setTextFormat(Qt::RichText);
    rich.show();
    QVERIFY(QTest::qWaitForWindowExposed(&rich));
    QCOMPARE(rich.textFormat(), Qt::RichText);
    QVERIFY(!rich.text().contains(kMarkup));
    // A label left at the default becomes plain when it is first shown.
    QLabel automatic(kMarkup);
    automatic.show();
    QVERIFY(QTest::qWaitForWindowExposed(&automatic));
    QCOMPARE(automatic.textFormat(), Qt::PlainText);
}

QTEST_MAIN(TestGuiMarkup)
#include "tst_gui_markup.moc"
