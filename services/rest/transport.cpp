#include "rest/transport.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QStringList>
#include <QUrl>

namespace portcullis::rest {

namespace {

// The certificate problems a reply's sslErrors() reported, kept for transportError().
constexpr char kSslErrorsProperty[] = "portcullisSslErrors";

} // namespace

void keepSslErrors(QNetworkReply* reply)
{
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [reply](const QList<QSslError>& errors) {
        QStringList problems;
        for (const QSslError& e : errors)
            problems << e.errorString();
        problems.removeDuplicates();
        reply->setProperty(kSslErrorsProperty, problems.join(QStringLiteral("; ")));
    });
}

ServiceError transportError(QNetworkReply* reply, int timeoutMs)
{
    const QString host = reply->url().host();
    switch (reply->error()) {
    case QNetworkReply::OperationCanceledError:
    case QNetworkReply::TimeoutError:
        return ServiceError::unavailable(
            QCoreApplication::translate("Portcullis::Rest", "%1 did not answer within %2 seconds")
                .arg(host)
                .arg(qMax(1, timeoutMs / 1000)));
    case QNetworkReply::SslHandshakeFailedError: {
        // The server was reached; what failed is trust in its certificate (the usual case: a private
        // CA the console was not told about), or the TLS handshake itself.
        const QString certificateProblems = reply->property(kSslErrorsProperty).toString();
        if (!certificateProblems.isEmpty())
            return ServiceError::unavailable(
                QCoreApplication::translate("Portcullis::Rest",
                                            "%1 was reached, but its certificate is not trusted (%2). Choose the "
                                            "certificate of the authority that issued it under \"Trusted CA\" (or "
                                            "start the console with --ca-file FILE)")
                    .arg(host, certificateProblems));
        return ServiceError::unavailable(
            QCoreApplication::translate("Portcullis::Rest", "Cannot reach %1: the secure connection failed (%2)")
                .arg(host, reply->errorString()));
    }
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::ProtocolFailure:
    case QNetworkReply::UnknownNetworkError:
        // Plain HTTP sent to a TLS port is answered by a closed connection (or TLS bytes).
        if (reply->url().scheme() == QLatin1String("http"))
            return ServiceError::unavailable(
                QCoreApplication::translate("Portcullis::Rest",
                                            "Cannot reach %1: the connection closed without an HTTP answer. If the "
                                            "server uses TLS, connect to https://%2 instead")
                    .arg(host, reply->url().adjusted(QUrl::RemoveUserInfo).authority()));
        if (reply->error() != QNetworkReply::RemoteHostClosedError)
            return ServiceError::unavailable(
                QCoreApplication::translate("Portcullis::Rest", "Cannot reach %1: %2").arg(host, reply->errorString()));
        return ServiceError::unavailable(
            QCoreApplication::translate("Portcullis::Rest",
                                        "Cannot reach %1: the connection closed before the answer was complete")
                .arg(host));
    default:
        return ServiceError::unavailable(
            QCoreApplication::translate("Portcullis::Rest", "Cannot reach %1: %2").arg(host, reply->errorString()));
    }
}

Status trustCaFile(QSslConfiguration& ssl, const QString& pemFile)
{
    const QFileInfo info(pemFile);
    if (!info.exists())
        return ServiceError::validationField(
            QStringLiteral("ca_file"),
            QCoreApplication::translate("Portcullis::Rest", "%1 does not exist").arg(pemFile));
    if (!info.isFile() || !info.isReadable())
        return ServiceError::validationField(
            QStringLiteral("ca_file"), QCoreApplication::translate("Portcullis::Rest", "Cannot read %1").arg(pemFile));
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(pemFile, QSsl::Pem);
    if (certificates.isEmpty())
        return ServiceError::validationField(
            QStringLiteral("ca_file"),
            QCoreApplication::translate("Portcullis::Rest", "%1 holds no PEM certificate").arg(pemFile));
    ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(certificates);
    return {};
}

} // namespace portcullis::rest
