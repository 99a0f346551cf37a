#include "auditkey.h"

#include "security/crypto.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace portcullis::auditkey {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::AuditKey)
};

constexpr QFileDevice::Permissions kOpenToOthers
    = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;

} // namespace

QString resolvePath(const QString& explicitPath, Dialect dialect, const QString& sqlitePath)
{
    if (!explicitPath.trimmed().isEmpty())
        return explicitPath;
    if (dialect == Dialect::Sqlite)
        return sqlitePath.isEmpty() || sqlitePath == QLatin1String(":memory:")
            ? QString()
            : sqlitePath + QStringLiteral(".audit-key");
    return qEnvironmentVariable(kEnvironmentVariable);
}

QString checkpointPath(const QString& keyPath)
{
    return keyPath + QStringLiteral(".checkpoint");
}

Result<QByteArray> load(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return ServiceError::notFound(Tr::tr("The audit key %1 does not exist").arg(path));
    if (info.permissions() & kOpenToOthers)
        return ServiceError::validation(
            Tr::tr("The audit key %1 may be read by other users; restrict it with \"chmod 600 %1\"").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ServiceError::validation(Tr::tr("Cannot read the audit key %1: %2").arg(path, file.errorString()));
    const QByteArray key = file.read(4096);
    if (key.size() < auditchain::KeyBytes)
        return ServiceError::validation(Tr::tr("The audit key %1 holds %2 bytes; it needs at least %3")
                                            .arg(path)
                                            .arg(key.size())
                                            .arg(auditchain::KeyBytes));
    return key;
}

Result<QByteArray> create(const QString& path)
{
    const QFileInfo info(path);
    if (info.exists())
        return load(path);
    if (!info.absoluteDir().exists())
        return ServiceError::validation(
            Tr::tr("The folder of the audit key %1 does not exist").arg(QDir::toNativeSeparators(info.absolutePath())));
    QByteArray key = crypto::randomBytes(auditchain::KeyBytes);
    if (key.size() != auditchain::KeyBytes)
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure audit key"));
    // Written whole to a private temporary file, then linked into place: link() fails when the file
    // appeared meanwhile (another process won), and then everyone reads the one that won.
    const QByteArray native = QFile::encodeName(path);
    const QByteArray temporary = native + ".tmp-" + QByteArray::number(QCoreApplication::applicationPid()) + '-'
        + crypto::randomToken(6).toLatin1();
    const int fd = ::open(temporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ServiceError::storage(
            Tr::tr("Cannot create the audit key %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    const bool written = ::write(fd, key.constData(), size_t(key.size())) == key.size() && ::fsync(fd) == 0;
    ::close(fd);
    key.fill('\0');
    if (!written) {
        ::unlink(temporary.constData());
        return ServiceError::storage(Tr::tr("Cannot write the audit key %1").arg(path));
    }
    const int linked = ::link(temporary.constData(), native.constData());
    const int linkError = errno;
    ::unlink(temporary.constData());
    if (linked != 0 && linkError != EEXIST)
        return ServiceError::storage(
            Tr::tr("Cannot create the audit key %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(linkError))));
    return load(path);
}

Result<std::optional<auditchain::Checkpoint>> readCheckpoint(const QString& path, const QByteArray& key)
{
    QFile file(path);
    if (!file.exists())
        return std::optional<auditchain::Checkpoint>();
    if (!file.open(QIODevice::ReadOnly))
        return ServiceError::validation(Tr::tr("Cannot read the checkpoint file %1: %2").arg(path, file.errorString()));
    const QJsonObject o = QJsonDocument::fromJson(file.read(64 * 1024)).object();
    auditchain::Checkpoint c;
    c.counter = o.value(QLatin1String("counter")).toInteger();
    c.lastId = o.value(QLatin1String("last_id")).toInteger();
    c.lastHash = o.value(QLatin1String("last_hash")).toString().toLatin1();
    c.writtenAtMs = o.value(QLatin1String("time")).toInteger();
    c.keyId = o.value(QLatin1String("key_id")).toString().toLatin1();
    c.firstKeyedId = o.value(QLatin1String("first_keyed_id")).toInteger();
    c.mac = o.value(QLatin1String("mac")).toString().toLatin1();
    if (c.keyId != auditchain::keyId(key))
        return ServiceError::validation(Tr::tr("The checkpoint file %1 was not written with this audit key").arg(path));
    if (c.counter <= 0 || !crypto::constantTimeEquals(c.mac, auditchain::checkpointMac(key, c)))
        return ServiceError::validation(
            Tr::tr("The checkpoint file %1 is not authentic (its MAC does not verify)").arg(path));
    return std::optional<auditchain::Checkpoint>(c);
}

Status writeCheckpoint(const QString& path, const auditchain::Checkpoint& checkpoint)
{
    const QJsonObject o { { QStringLiteral("counter"), checkpoint.counter },
                          { QStringLiteral("last_id"), checkpoint.lastId },
                          { QStringLiteral("last_hash"), QString::fromLatin1(checkpoint.lastHash) },
                          { QStringLiteral("time"), checkpoint.writtenAtMs },
                          { QStringLiteral("key_id"), QString::fromLatin1(checkpoint.keyId) },
                          { QStringLiteral("first_keyed_id"), checkpoint.firstKeyedId },
                          { QStringLiteral("mac"), QString::fromLatin1(checkpoint.mac) } };
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return ServiceError::storage(Tr::tr("Cannot write the checkpoint file %1: %2").arg(path, file.errorString()));
    // The temporary file gets 0600 before anything is in it; commit() renames it into place.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n');
    if (!file.commit())
        return ServiceError::storage(Tr::tr("Cannot write the checkpoint file %1: %2").arg(path, file.errorString()));
    return {};
}

} // namespace portcullis::auditkey
