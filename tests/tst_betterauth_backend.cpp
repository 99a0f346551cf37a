// BetterAuthBackend against the real better-auth server (tests/betterauth/server.mjs, better-auth
// 1.7.5 pinned by its lockfile) on a loopback port.

#include "betterauthprocess.h"
#include "testutil.h"

#include <QJsonArray>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestBetterAuthBackend : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void serverAnswers();

private:
    BetterAuthProcess m_server;
};

void TestBetterAuthBackend::initTestCase()
{
    QVERIFY2(m_server.start(), qPrintable(m_server.error()));
}

// The fixture's server: /ok answers, the first admin signs in and gets a bearer token.
void TestBetterAuthBackend::serverAnswers()
{
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(m_server.baseUrl() + QStringLiteral("/sign-in/email")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply
        = network.post(request,
                       QJsonDocument(QJsonObject { { QStringLiteral("email"), kBetterAuthAdminEmail },
                                                   { QStringLiteral("password"), kBetterAuthAdminPassword } })
                           .toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(kBetterAuthWaitMs));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(!reply->rawHeader("set-auth-token").isEmpty());
    const QJsonObject user
        = QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("user")).toObject();
    QCOMPARE(user.value(QStringLiteral("role")).toString(), QStringLiteral("admin"));
}

QTEST_GUILESS_MAIN(TestBetterAuthBackend)
#include "tst_betterauth_backend.moc"
