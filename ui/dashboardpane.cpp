#include "dashboardpane.h"

#include "displayformat.h"

#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QDateTimeAxis>
#include <QEvent>
#include <QFocusEvent>
#include <QFrame>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QStackedWidget>
#include <QTime>
#include <QVBoxLayout>
#include <QValueAxis>

#include <functional>

namespace portcullis {

// A stat tile: a click, Enter or Space on it opens the list it counts (StatTileGrid::opened).
class StatTile : public QFrame
{
public:
    StatTile(QWidget* parent, std::function<void()> open)
        : QFrame(parent)
        , m_open(std::move(open))
    {
        setCursor(Qt::PointingHandCursor);
        setFocusPolicy(Qt::StrongFocus);
    }

protected:
    void mouseReleaseEvent(QMouseEvent* event) override
    {
        if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint()))
            m_open();
        QFrame::mouseReleaseEvent(event);
    }
    void keyPressEvent(QKeyEvent* event) override
    {
        if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter || event->key() == Qt::Key_Space) {
            m_open();
            return;
        }
        QFrame::keyPressEvent(event);
    }
    void focusInEvent(QFocusEvent* event) override
    {
        setFrameShadow(QFrame::Sunken);
        QFrame::focusInEvent(event);
    }
    void focusOutEvent(QFocusEvent* event) override
    {
        setFrameShadow(QFrame::Plain);
        QFrame::focusOutEvent(event);
    }

private:
    std::function<void()> m_open;
};

// The stat tiles in a grid that takes as many columns as fit (1 to all in one row) and wraps the
// rest, so the tiles stay readable from a narrow window to a wide one.
class StatTileGrid : public QWidget
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::StatTileGrid)

public:
    explicit StatTileGrid(QWidget* parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("statTileGrid"));
        m_grid = new QGridLayout(this);
        m_grid->setContentsMargins(0, 0, 0, 0);
        m_grid->setSpacing(fontMetrics().horizontalAdvance(QLatin1Char('m')));
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    }

    // Returns the label that shows the number; `open` runs when the tile is clicked.
    QLabel* addTile(const QString& key, const QString& caption, const QString& explanation, std::function<void()> open)
    {
        auto* tile = new StatTile(this, std::move(open));
        tile->setObjectName(QStringLiteral("statTile_") + key);
        tile->setFrameShape(QFrame::StyledPanel);
        tile->setAutoFillBackground(true);
        tile->setBackgroundRole(QPalette::Base);
        tile->setToolTip(explanation);
        tile->setAccessibleName(caption);
        tile->setAccessibleDescription(explanation);
        auto* layout = new QVBoxLayout(tile);
        const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
        layout->setContentsMargins(em, em * 2 / 3, em, em * 2 / 3);
        layout->setSpacing(2);
        auto* value = new QLabel(QStringLiteral("–"), tile);
        value->setObjectName(QStringLiteral("statTileValue"));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont big = value->font();
        big.setPointSizeF(big.pointSizeF() * 2.2);
        big.setBold(true);
        value->setFont(big);
        auto* text = new QLabel(caption, tile);
        text->setObjectName(QStringLiteral("statTileCaption"));
        text->setWordWrap(true);
        layout->addWidget(value);
        layout->addWidget(text);
        // Wide enough for a seven-digit number in the big font and a two-word caption.
        const int width = std::max(QFontMetrics(big).horizontalAdvance(QStringLiteral("8,888,888")),
                                   text->fontMetrics().horizontalAdvance(caption))
            + 2 * em + 8;
        m_tileWidth = std::max(m_tileWidth, width);
        m_tiles << tile;
        m_columns = 0; // re-flow
        reflow(this->width());
        return value;
    }

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override
    {
        const int columns = columnsFor(width);
        const int rows = int((m_tiles.size() + columns - 1) / columns);
        const int tileHeight = m_tiles.isEmpty() ? 0 : m_tiles.first()->sizeHint().height();
        return rows * tileHeight + std::max(0, rows - 1) * m_grid->verticalSpacing();
    }
    QSize sizeHint() const override { return { m_tileWidth * 4, heightForWidth(m_tileWidth * 4) }; }
    QSize minimumSizeHint() const override { return { m_tileWidth, heightForWidth(m_tileWidth) }; }

protected:
    void resizeEvent(QResizeEvent* event) override
    {
        QWidget::resizeEvent(event);
        reflow(event->size().width());
    }

private:
    int columnsFor(int width) const
    {
        const int spacing = m_grid->horizontalSpacing();
        const int count = std::max(1, int(m_tiles.size()));
        const int fit = std::clamp((width + spacing) / std::max(1, m_tileWidth + spacing), 1, count);
        // Balance the rows: seven tiles that fit five to a row go four and three, not five and two.
        const int rows = (count + fit - 1) / fit;
        return (count + rows - 1) / rows;
    }

    void reflow(int width)
    {
        const int columns = columnsFor(width);
        if (columns == m_columns)
            return;
        m_columns = columns;
        for (QFrame* tile : std::as_const(m_tiles))
            m_grid->removeWidget(tile);
        for (int i = 0; i < m_tiles.size(); ++i)
            m_grid->addWidget(m_tiles.at(i), i / columns, i % columns);
        for (int c = 0; c < int(m_tiles.size()); ++c)
            m_grid->setColumnStretch(c, c < columns ? 1 : 0);
        setFixedHeight(heightForWidth(width));
        updateGeometry();
    }

    QGridLayout* m_grid = nullptr;
    QList<QFrame*> m_tiles;
    int m_tileWidth = 0;
    int m_columns = 0;
};

namespace {

QLabel* messageLabel(const char* name, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(QString::fromLatin1(name));
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

DashboardPane::DashboardPane(Backend* backend, QWidget* parent)
    : Pane(backend, parent)
{
    setObjectName(QStringLiteral("dashboardPane"));

    auto* heading = new QLabel(tr("Overview"), this);
    heading->setObjectName(QStringLiteral("dashboardHeading"));
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.3);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    m_updated = new QLabel(this);
    m_updated->setObjectName(QStringLiteral("dashboardUpdatedLabel"));
    auto* top = new QHBoxLayout;
    top->addWidget(heading);
    top->addStretch(1);
    top->addWidget(m_updated);

    m_tiles = new StatTileGrid(this);
    struct TileSpec
    {
        const char* key;
        QString caption;
        QString explanation;
        QString pane; // the list the tile opens
        QString status {}; // and its status filter
    };
    const QString users = QStringLiteral("users");
    const QList<TileSpec> specs = {
        { "usersTotal", tr("Users"), tr("Every user that is not deleted"), users },
        { "usersActive", tr("Active users"), tr("Users who may sign in: not suspended and not banned"), users,
          QStringLiteral("active") },
        { "usersBanned", tr("Banned"), tr("Users under a ban that has not expired"), users, QStringLiteral("banned") },
        { "usersSuspended", tr("Suspended"), tr("Users suspended until an admin reactivates them"), users,
          QStringLiteral("suspended") },
        { "sessionsActive", tr("Active sessions"), tr("Sessions neither revoked nor expired"),
          QStringLiteral("sessions") },
        { "apiKeysActive", tr("Active API keys"), tr("API keys neither revoked nor expired"),
          QStringLiteral("api-keys"), QStringLiteral("active") },
        { "eventsLast24h", tr("Events in 24 h"), tr("Audit events written in the last 24 hours"),
          QStringLiteral("audit"), QStringLiteral("last24h") },
    };
    // Without statistics the tiles are what the user list's totals give, nothing estimated.
    const bool statistics = deploymentHas(Capability::Statistics);
    const QStringList totalsOnly = { QStringLiteral("usersTotal"), QStringLiteral("usersBanned") };
    for (const TileSpec& spec : specs) {
        const QString key = QString::fromLatin1(spec.key);
        if (!statistics && !totalsOnly.contains(key))
            continue;
        // The list opens filtered as the tile counts (the tenant switcher's scope applies there too).
        auto open = [this, pane = spec.pane, status = spec.status] {
            PaneRequest request;
            request.status = status;
            request.organizationId = organizationScope();
            emit openRequested(pane, request);
        };
        m_values.insert(key,
                        m_tiles->addTile(key, spec.caption,
                                         spec.explanation + QLatin1Char('\n') + tr("Click to open the list."), open));
    }
    m_tileMessage = messageLabel("statsMessageLabel", this);
    m_tileStack = new QStackedWidget(this);
    m_tileStack->setObjectName(QStringLiteral("statTileStack"));
    m_tileStack->addWidget(m_tiles);
    m_tileStack->addWidget(m_tileMessage);
    m_tileStack->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    // When maintenance last ran and what it removed: deployment-wide, so super admins only.
    m_maintenance = new QLabel(this);
    m_maintenance->setObjectName(QStringLiteral("dashboardMaintenanceLabel"));
    m_maintenance->setWordWrap(true);
    m_maintenance->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_maintenance->hide();

    // The chart: three daily series on a date axis.
    m_chart = new QChart;
    m_chart->setObjectName(QStringLiteral("dashboardActivityChart"));
    m_chart->setTitle(tr("Activity per day over the last %1 days (UTC)").arg(Days));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chartView = new QChartView(m_chart, this);
    m_chartView->setObjectName(QStringLiteral("dashboardChart"));
    m_chartView->setAccessibleName(tr("Sign-ins, failed sign-ins and admin actions per day"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setFrameShape(QFrame::NoFrame);
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    // 13 lines, not more: the window must still fit 800x600 with the maintenance line above.
    m_chartView->setMinimumHeight(fontMetrics().height() * 13);
    m_chartMessage = messageLabel("activityMessageLabel", this);
    m_chartStack = new QStackedWidget(this);
    m_chartStack->setObjectName(QStringLiteral("dashboardChartStack"));
    m_chartStack->addWidget(m_chartView);
    m_chartStack->addWidget(m_chartMessage);

    auto* layout = new QVBoxLayout(this);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    layout->setSpacing(em);
    layout->addLayout(top);
    layout->addWidget(m_tileStack);
    layout->addWidget(m_maintenance);
    layout->addWidget(m_chartStack, 1);

    applyChartPalette();
}

QString DashboardPane::tileText(const QString& key) const
{
    const QLabel* label = m_values.value(key);
    return label ? label->text() : QString();
}

void DashboardPane::refresh()
{
    if (!m_backend)
        return;
    const int generation = ++m_generation;
    const bool super = m_backend->actor().isSuperAdmin() && deploymentHas(Capability::Maintenance);
    if (QString why; !deploymentHas(Capability::Statistics, &why)) {
        m_maintenance->hide();
        m_chartMessage->setText(why);
        m_chartStack->setCurrentWidget(m_chartMessage);
        refreshTotals(generation);
        return;
    }
    m_pending = super ? 3 : 2;
    m_maintenance->setVisible(super);
    if (super) {
        whenDone(m_backend->maintenanceRuns(1), this, [this, generation](const Result<QList<MaintenanceRun>>& runs) {
            if (generation != m_generation)
                return;
            showMaintenance(runs);
            finishPart(generation);
        });
    }
    m_updated->setText(tr("Loading…"));
    const Id scope = organizationScope();
    whenDone(m_backend->stats(scope), this, [this, generation](const Result<Stats>& stats) {
        if (generation != m_generation)
            return; // a newer refresh (or scope) superseded this one
        if (stats.ok()) {
            showStats(stats.value());
        } else {
            m_tileMessage->setText(
                tr("Could not load the statistics:\n%1\n\nPress F5 to try again.").arg(stats.error().message));
            m_tileStack->setCurrentWidget(m_tileMessage);
            emit statusMessage(tr("Could not load the statistics: %1").arg(stats.error().message));
        }
        finishPart(generation);
    });
    whenDone(m_backend->activity(scope, Days), this, [this, generation](const Result<QList<DayActivity>>& days) {
        if (generation != m_generation)
            return;
        if (days.ok()) {
            showActivity(days.value());
        } else {
            m_chartMessage->setText(
                tr("Could not load the activity:\n%1\n\nPress F5 to try again.").arg(days.error().message));
            m_chartStack->setCurrentWidget(m_chartMessage);
            emit statusMessage(tr("Could not load the activity: %1").arg(days.error().message));
        }
        finishPart(generation);
    });
}

void DashboardPane::refreshTotals(int generation)
{
    m_pending = 2;
    m_updated->setText(tr("Loading…"));
    const QList<std::pair<QString, QString>> tiles
        = { { QStringLiteral("usersTotal"), QString() }, { QStringLiteral("usersBanned"), QStringLiteral("banned") } };
    for (const auto& [key, status] : tiles) {
        UserQuery query;
        query.status = status;
        query.organizationId = organizationScope();
        query.limit = 1; // only the total is wanted
        whenDone(m_backend->listUsers(query), this, [this, generation, key](const Result<Page<User>>& page) {
            if (generation != m_generation)
                return;
            if (page.ok()) {
                if (QLabel* label = m_values.value(key))
                    label->setText(display::number(page->total)
                                   + (page->totalIsLowerBound ? QStringLiteral("+") : QString()));
                m_tileStack->setCurrentWidget(m_tiles);
            } else {
                m_tileMessage->setText(
                    tr("Could not load the statistics:\n%1\n\nPress F5 to try again.").arg(page.error().message));
                m_tileStack->setCurrentWidget(m_tileMessage);
                emit statusMessage(tr("Could not load the statistics: %1").arg(page.error().message));
            }
            finishPart(generation);
        });
    }
}

void DashboardPane::showMaintenance(const Result<QList<MaintenanceRun>>& runs)
{
    if (!runs) {
        m_maintenance->setText(tr("Could not read when maintenance last ran: %1").arg(runs.error().message));
        return;
    }
    if (runs->isEmpty()) {
        m_maintenance->setText(tr("Maintenance has not run yet. Servers run it every hour; super admins can run it "
                                  "now with Tools > Run maintenance."));
        return;
    }
    const MaintenanceRun& last = runs->constFirst();
    const QString by = last.source == QLatin1String("schedule") ? tr("on the server's schedule") : tr("from a console");
    if (!last.error.isEmpty()) {
        m_maintenance->setText(
            tr("Maintenance last ran %1 (%2) and failed: %3").arg(display::dateTime(last.startedAt), by, last.error));
        return;
    }
    m_maintenance->setText(tr("Maintenance last ran %1 (%2): removed %3 sessions, %4 tokens, %5 invitations and %6 "
                              "audit events.")
                               .arg(display::dateTime(last.startedAt), by, display::number(last.sessionsRemoved),
                                    display::number(last.tokensRemoved), display::number(last.invitationsRemoved),
                                    display::number(last.auditEventsRemoved)));
}

void DashboardPane::finishPart(int generation)
{
    if (generation != m_generation || --m_pending > 0)
        return;
    m_updated->setText(tr("Updated %1 · F5 to refresh").arg(display::timeOfDay(QDateTime::currentDateTime())));
    markLoaded();
}

void DashboardPane::organizationScopeChanged()
{
    if (isLoaded())
        refresh();
}

void DashboardPane::showStats(const Stats& stats)
{
    const QHash<QString, qint64> numbers = {
        { QStringLiteral("usersTotal"), stats.usersTotal },
        { QStringLiteral("usersActive"), stats.usersActive },
        { QStringLiteral("usersBanned"), stats.usersBanned },
        { QStringLiteral("usersSuspended"), stats.usersSuspended },
        { QStringLiteral("sessionsActive"), stats.sessionsActive },
        { QStringLiteral("apiKeysActive"), stats.apiKeysActive },
        { QStringLiteral("eventsLast24h"), stats.eventsLast24h },
    };
    for (auto it = numbers.cbegin(); it != numbers.cend(); ++it) {
        if (QLabel* label = m_values.value(it.key()))
            label->setText(display::number(it.value()));
    }
    m_tileStack->setCurrentWidget(m_tiles);
}

void DashboardPane::showActivity(const QList<DayActivity>& days)
{
    m_chart->removeAllSeries();
    for (QAbstractAxis* axis : m_chart->axes())
        m_chart->removeAxis(axis);
    if (days.isEmpty()) {
        m_chartMessage->setText(tr("No activity to show yet."));
        m_chartStack->setCurrentWidget(m_chartMessage);
        return;
    }

    auto* signIns = new QLineSeries(m_chart);
    signIns->setName(tr("Sign-ins"));
    auto* failed = new QLineSeries(m_chart);
    failed->setName(tr("Failed sign-ins"));
    auto* admin = new QLineSeries(m_chart);
    admin->setName(tr("Admin actions"));
    qint64 highest = 0;
    for (const DayActivity& d : days) {
        // Noon UTC: the point stays on its day whatever the viewer's time zone.
        const qreal x = qreal(QDateTime(d.day, QTime(12, 0), Qt::UTC).toMSecsSinceEpoch());
        signIns->append(x, qreal(d.signIns));
        failed->append(x, qreal(d.failedSignIns));
        admin->append(x, qreal(d.adminActions));
        highest = std::max({ highest, d.signIns, d.failedSignIns, d.adminActions });
    }
    for (QLineSeries* series : { signIns, failed, admin }) {
        series->setPointsVisible(true);
        m_chart->addSeries(series);
    }

    auto* x = new QDateTimeAxis(m_chart);
    x->setObjectName(QStringLiteral("activityDateAxis"));
    //: Date format of the dashboard chart's axis (QDateTime format: day and short month)
    x->setFormat(tr("d MMM"));
    x->setTickCount(std::min(int(days.size()), 7));
    x->setRange(QDateTime(days.first().day, QTime(0, 0), Qt::UTC), QDateTime(days.last().day, QTime(23, 59), Qt::UTC));
    auto* y = new QValueAxis(m_chart);
    y->setObjectName(QStringLiteral("activityCountAxis"));
    y->setLabelFormat(QStringLiteral("%d"));
    y->setRange(0, std::max<qreal>(5, qreal(highest)));
    y->applyNiceNumbers();
    y->setTitleText(tr("Events per day"));
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries* series : { signIns, failed, admin }) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
    applyChartPalette();
    m_chartStack->setCurrentWidget(m_chartView);
}

void DashboardPane::applyChartPalette()
{
    // Follow the desktop's palette: the dark or light chart theme for the series colours, then the
    // palette's own background and text so the chart sits in the window like any other widget.
    if (!m_chart || !m_chartView)
        return;
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Window).lightness() < 128;
    const QChart::ChartTheme theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (m_chart->theme() != theme)
        m_chart->setTheme(theme);
    m_chart->setBackgroundBrush(pal.brush(QPalette::Base));
    m_chart->setBackgroundPen(QPen(pal.color(QPalette::Mid)));
    m_chart->setTitleBrush(pal.brush(QPalette::Text));
    QFont titleFont = font();
    titleFont.setBold(true);
    m_chart->setTitleFont(titleFont);
    m_chart->legend()->setLabelBrush(pal.brush(QPalette::Text));
    m_chart->legend()->setFont(font());
    for (QAbstractAxis* axis : m_chart->axes()) {
        axis->setLabelsBrush(pal.brush(QPalette::Text));
        axis->setLabelsFont(font());
        axis->setTitleBrush(pal.brush(QPalette::Text));
        axis->setGridLineColor(pal.color(QPalette::Midlight));
    }
    m_chartView->setBackgroundBrush(pal.brush(QPalette::Window));
    // The theme resets the series colours; keep failures in the warning colour.
    const auto series = m_chart->series();
    if (series.size() == 3) {
        if (auto* failed = qobject_cast<QLineSeries*>(series.at(1))) {
            QPen pen = failed->pen();
            pen.setColor(display::warningBrush().color());
            pen.setWidthF(2);
            failed->setPen(pen);
            failed->setColor(display::warningBrush().color());
        }
    }
}

void DashboardPane::changeEvent(QEvent* event)
{
    Pane::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyChartPalette();
}

} // namespace portcullis
