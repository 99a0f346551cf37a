#pragma once

#include "pane.h"

#include <QHash>

class QChart;
class QChartView;
class QLabel;
class QStackedWidget;

namespace portcullis {

class StatTileGrid;

// The overview: the numbers of Backend::stats() as tiles and a chart of sign-ins, failed sign-ins
// and admin actions per day over the last 30 days (Backend::activity()), both for the tenant
// switcher's scope. Each half shows its own error in place when its call fails. A deployment
// without Capability::Statistics (better-auth) shows only what the totals of its user list give
// (users, banned) and the reason in place of the chart; stats() and activity() are not called.
class DashboardPane : public Pane
{
    Q_OBJECT

public:
    static constexpr int Days = 30;

    explicit DashboardPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("dashboard"); }
    QString title() const override { return tr("Dashboard"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/dashboard.svg")); }

    void refresh() override;

    // The number a tile shows, as displayed ("1,234"); empty for an unknown key. Keys are the
    // Stats field names: usersTotal, usersActive, usersBanned, usersSuspended, sessionsActive,
    // apiKeysActive, eventsLast24h.
    QString tileText(const QString& key) const;

protected:
    void organizationScopeChanged() override;
    void changeEvent(QEvent* event) override;

private:
    void showStats(const Stats& stats);
    void showActivity(const QList<DayActivity>& days);
    void applyChartPalette();
    void finishPart(int generation);
    void showMaintenance(const Result<QList<MaintenanceRun>>& runs);
    // Without Statistics: the two tiles from Backend::listUsers totals.
    void refreshTotals(int generation);

    StatTileGrid* m_tiles = nullptr;
    QStackedWidget* m_tileStack = nullptr;
    QLabel* m_tileMessage = nullptr;
    QStackedWidget* m_chartStack = nullptr;
    QLabel* m_chartMessage = nullptr;
    QChartView* m_chartView = nullptr;
    QChart* m_chart = nullptr;
    QLabel* m_updated = nullptr;
    QLabel* m_maintenance = nullptr; // super admins: the last maintenance run
    QHash<QString, QLabel*> m_values;

    int m_generation = 0;
    int m_pending = 0;
};

} // namespace portcullis
