// X-Forwarded-For under --trusted-proxy (server/httpapi.cpp, clientAddress). The first byte picks
// the peer (a trusted proxy over IPv4, IPv6 or as an IPv4-mapped IPv6 address, or an untrusted
// client); the rest is the header as the client (and the proxies) wrote it.
//
// Invariants: an untrusted peer is taken as itself whatever the header says; the answer is an
// address (or "unknown"), never a fragment of the header with commas, spaces or a port.

#include "fuzzutil.h"
#include "httpapi.h"

#include <QHostAddress>

using namespace portcullis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    if (size == 0)
        return 0;
    static const QList<QPair<QHostAddress, int>> proxies = { QHostAddress::parseSubnet(QStringLiteral("10.0.0.0/8")),
                                                             QHostAddress::parseSubnet(QStringLiteral("127.0.0.1/32")),
                                                             QHostAddress::parseSubnet(QStringLiteral("fd00::/8")) };
    static const QHostAddress peers[]
        = { QHostAddress(QStringLiteral("10.1.2.3")), QHostAddress(QStringLiteral("fd00::7")),
            QHostAddress(QStringLiteral("::ffff:127.0.0.1")), QHostAddress(QStringLiteral("203.0.113.9")) };
    const QHostAddress& peer = peers[data[0] % 4];
    const QByteArray header = fuzz::bytes(data + 1, size - 1);
    const QString address = server::clientAddress(peer, header, proxies);
    if (data[0] % 4 == 3)
        FUZZ_CHECK(address == QStringLiteral("203.0.113.9"), header);
    FUZZ_CHECK(address == QStringLiteral("unknown") || !QHostAddress(address).isNull(), address.toUtf8());
    FUZZ_CHECK(!address.contains(QLatin1Char(',')) && !address.contains(QLatin1Char(' ')), address.toUtf8());
    // No proxy configured: the peer, always.
    FUZZ_CHECK(server::clientAddress(peer, header, {}) != QStringLiteral("unknown"), header);
    return 0;
}
