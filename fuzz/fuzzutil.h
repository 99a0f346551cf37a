#pragma once

// Helpers shared by the fuzz targets: a QCoreApplication for the Qt pieces that want one, and a
// failed invariant that aborts with a message (libFuzzer reports it as a crash with the input).

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

#include <cstdio>
#include <cstdlib>

namespace portcullis::fuzz {

inline void ensureApp()
{
    static int argc = 1;
    static char name[] = "fuzz";
    static char* argv[] = { name, nullptr };
    static QCoreApplication* app = QCoreApplication::instance() ? nullptr : new QCoreApplication(argc, argv);
    Q_UNUSED(app);
}

[[noreturn]] inline void fail(const char* invariant, const QByteArray& detail = {})
{
    std::fprintf(stderr, "invariant broken: %s\n%s\n", invariant, detail.constData());
    std::abort();
}

inline QByteArray bytes(const uint8_t* data, size_t size)
{
    return QByteArray(reinterpret_cast<const char*>(data), qsizetype(size));
}

} // namespace portcullis::fuzz

#define FUZZ_CHECK(condition, detail)                                                                                  \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            ::portcullis::fuzz::fail(#condition, detail);                                                              \
    } while (false)
