#include "pane.h"

#include "displayformat.h"
#include "keyboard.h"
#include "messagebox.h"
#include "policy/policy.h"

#include <QAction>
#include <QHeaderView>
#include <QTableView>
#include <QTimer>

namespace portcullis {

Pane::Pane(Backend* backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
{
    m_dataAge.start();
    m_staleDelay = new QTimer(this);
    m_staleDelay->setSingleShot(true);
    // Long enough for the pane that made the change to finish its own reload after it (two turns
    // of the event loop and a query), short enough to look immediate.
    m_staleDelay->setInterval(150);
    connect(m_staleDelay, &QTimer::timeout, this, &Pane::reloadIfStale);
    if (backend)
        connect(backend, &Backend::recordsChanged, this, &Pane::onRecordsChanged);
    connect(display::Preferences::instance(), &display::Preferences::changed, this, &Pane::displayFormatChanged);
}

void Pane::displayFormatChanged()
{
    for (QAbstractItemView* view : findChildren<QAbstractItemView*>()) {
        view->viewport()->update();
        if (auto* table = qobject_cast<QTableView*>(view))
            table->horizontalHeader()->viewport()->update();
    }
}

void Pane::onRecordsChanged(Records records)
{
    // A pane that never loaded loads current data when it is first shown anyway.
    if (!m_loaded || !(records & shownRecords()))
        return;
    m_stale = true;
    if (isVisible())
        m_staleDelay->start();
}

void Pane::noteReloading()
{
    m_stale = false;
    m_staleDelay->stop();
    m_dataAge.restart();
}

void Pane::reloadIfStale()
{
    // While the deployment is away a reload would only empty the list: stay stale until it is back
    // (the main window reloads the loaded panes then).
    if (!isVisible() || !m_backend || !m_backend->isReachable())
        return;
    noteReloading();
    refresh();
}

void Pane::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_loaded && (m_stale || m_dataAge.hasExpired(m_maxDataAgeMs)))
        reloadIfStale();
}

bool Pane::canCreate(QString* whyNot) const
{
    if (whyNot)
        *whyNot = tr("Nothing to create here");
    return false;
}

bool Pane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = tr("Nothing to delete here");
    return false;
}

void Pane::setOrganizationScope(Id organizationId)
{
    if (m_organizationScope == organizationId)
        return;
    m_organizationScope = organizationId;
    organizationScopeChanged();
}

void Pane::markLoaded()
{
    if (m_loaded)
        return;
    m_loaded = true;
    m_stale = false;
    emit loaded();
}

void Pane::showError(const QString& what, const ServiceError& error)
{
    QString text = error.message;
    if (!error.fieldErrors.isEmpty()) {
        QStringList lines;
        for (auto it = error.fieldErrors.cbegin(); it != error.fieldErrors.cend(); ++it)
            lines << QStringLiteral("• ") + it.value();
        lines.sort();
        text += QStringLiteral("\n\n") + lines.join(QLatin1Char('\n'));
    }
    emit statusMessage(what + QStringLiteral(": ") + error.message);
    MessageBox::warning(this, what, text);
}

Actor Pane::actor() const
{
    return m_backend ? m_backend->actor() : Actor();
}

bool Pane::may(const QString& permission, QString* whyNot) const
{
    const auto decision = policy::requirePermission(actor(), permission);
    if (!decision && whyNot)
        *whyNot = tr("Your role does not allow this (%1)").arg(permission);
    return decision.allowed;
}

QTableView* Pane::createListTable(const QString& objectName, const QString& accessibleName, QAbstractItemModel* model,
                                  int selectionMode)
{
    return listTable(this, objectName, accessibleName, model, selectionMode);
}

QTableView* listTable(QWidget* parent, const QString& objectName, const QString& accessibleName,
                      QAbstractItemModel* model, int selectionMode)
{
    auto* table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setAccessibleName(accessibleName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SelectionMode(selectionMode));
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setHighlightSections(false);
    keyboard::enableContextMenuKeys(table);
    return table;
}

void setActionAllowed(QAction* action, bool allowed, const QString& whyNot, const QString& normalTip)
{
    action->setEnabled(allowed);
    action->setToolTip(allowed ? (normalTip.isEmpty() ? action->text().remove(QLatin1Char('&')) : normalTip) : whyNot);
}

} // namespace portcullis
