// Secrets behind an interface: the in-memory store, the key namespace, and a real round trip
// through QtKeychain against the Secret Service (gnome-keyring, started by scripts/with-keychain.sh
// under dbus-run-session). The round trip skips only when no session bus can be reached.

#include "credentials/secretstore.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QUuid>

using namespace portcullis;
using namespace portcullis::test;

class TestKeychain : public QObject
{
    Q_OBJECT

private slots:
    void keysAreNamespacedPerProfile();
    void memoryStoreRoundTrip();
    void keychainRoundTrip();
};

void TestKeychain::keysAreNamespacedPerProfile()
{
    QCOMPARE(SecretStore::keyFor(QStringLiteral("rest"), QStringLiteral("https://iam.example.com"),
                                 QStringLiteral("ana@example.com")),
             QStringLiteral("portcullis/rest/https://iam.example.com/ana@example.com"));
    QVERIFY(SecretStore::keyFor(QStringLiteral("sqlite"), QStringLiteral("/a.db"), QStringLiteral("ana"))
            != SecretStore::keyFor(QStringLiteral("sqlite"), QStringLiteral("/b.db"), QStringLiteral("ana")));
    // A PostgreSQL URL's password never becomes part of an entry's (listable) name, and the URL as
    // typed (with it) and as remembered (without it) name the same entry.
    const QString typed = SecretStore::keyFor(QStringLiteral("postgres"),
                                              QStringLiteral("postgresql://iam:S3cret-Pass@db.example.test:5432/iam"),
                                              QStringLiteral("ana@example.com"));
    QVERIFY2(!typed.contains(QLatin1String("S3cret-Pass")), qPrintable(typed));
    QCOMPARE(typed,
             SecretStore::keyFor(QStringLiteral("postgres"),
                                 QStringLiteral("postgresql://iam@db.example.test:5432/iam"),
                                 QStringLiteral("ana@example.com")));
}

void TestKeychain::memoryStoreRoundTrip()
{
    MemorySecretStore store;
    const QString key = SecretStore::keyFor(QStringLiteral("rest"), QStringLiteral("https://x"), QStringLiteral("u"));
    QVERIFY_ERROR(awaitResult(store.read(key)), ErrorCode::NotFound);
    QVERIFY_RESULT(awaitResult(store.write(key, QStringLiteral("rt_secret"))));
    const Result<QString> read = awaitResult(store.read(key));
    QVERIFY_RESULT(read);
    QCOMPARE(*read, QStringLiteral("rt_secret"));
    QVERIFY_RESULT(awaitResult(store.remove(key)));
    QVERIFY_ERROR(awaitResult(store.read(key)), ErrorCode::NotFound);
}

void TestKeychain::keychainRoundTrip()
{
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        QSKIP("No D-Bus session bus (run the suite through scripts/with-keychain.sh, which starts one)");
    KeychainSecretStore store(QStringLiteral("portcullis-test"));
    QSignalSpy unavailable(&store, &KeychainSecretStore::keychainUnavailable);
    const QString key = SecretStore::keyFor(QStringLiteral("rest"), QStringLiteral("https://iam.example.test"),
                                            QUuid::createUuid().toString(QUuid::WithoutBraces));
    const QString secret = QStringLiteral("rt_") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QVERIFY_RESULT(awaitResult(store.write(key, secret)));
    QVERIFY2(!store.isSessionOnly(), qPrintable(QStringLiteral("the keychain refused: ") + store.unavailableReason()));
    QCOMPARE(unavailable.count(), 0);

    // A second store (as after a restart) reads it back from the keychain, not from memory.
    KeychainSecretStore again(QStringLiteral("portcullis-test"));
    const Result<QString> read = awaitResult(again.read(key));
    QVERIFY_RESULT(read);
    QCOMPARE(*read, secret);

    QVERIFY_RESULT(awaitResult(again.remove(key)));
    QVERIFY_ERROR(awaitResult(store.read(key)), ErrorCode::NotFound);
    QVERIFY_RESULT(awaitResult(again.remove(key))); // removing nothing is fine
}

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
