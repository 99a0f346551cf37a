#pragma once

// What the store benches (portcullis-bench, portcullis-bench-scale) share: printing Markdown rows,
// timing a request over several runs, and the median and p95 of the samples.

#include "domain/result.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QList>
#include <QString>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace portcullis::bench {

inline void print(const QString& line)
{
    std::fputs(line.toUtf8().constData(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// "<program>: message" on standard error.
inline void fail(const QString& message)
{
    std::fputs(
        (QCoreApplication::applicationName() + QStringLiteral(": ") + message + QLatin1Char('\n')).toUtf8().constData(),
        stderr);
}

struct Timing
{
    double median = 0;
    double p95 = 0;
};

inline Timing summarize(QList<double> samples)
{
    std::sort(samples.begin(), samples.end());
    Timing t;
    const qsizetype n = samples.size();
    if (n == 0)
        return t;
    t.median = n % 2 ? samples.at(n / 2) : (samples.at(n / 2 - 1) + samples.at(n / 2)) / 2.0;
    t.p95 = samples.at(std::clamp<qsizetype>(qsizetype(std::ceil(0.95 * double(n))) - 1, 0, n - 1));
    return t;
}

// Milliseconds as the tables write them: two decimals below 10, one above.
inline QString number(double ms)
{
    return QString::number(ms, 'f', ms < 10 ? 2 : 1);
}

// Runs `body` once to warm up, then `runs` times, timing each run in milliseconds. `body` returns
// false on failure (already reported): the samples are then empty.
inline QList<double> sample(int runs, const std::function<bool()>& body)
{
    if (!body())
        return {};
    QList<double> samples;
    samples.reserve(runs);
    QElapsedTimer timer;
    for (int i = 0; i < runs; ++i) {
        timer.start();
        const bool ok = body();
        samples << double(timer.nsecsElapsed()) / 1e6;
        if (!ok)
            return {};
    }
    return samples;
}

template <typename T> bool check(const Result<T>& result, const QString& what)
{
    if (!result.ok())
        fail(what + QStringLiteral(": ") + result.error().toString());
    return result.ok();
}

} // namespace portcullis::bench
