#include "pane.h"

#include "displayformat.h"
#include "keyboard.h"
#include "lazytablemodel.h"
#include "messagebox.h"
#include "policy/policy.h"

#include <QAction>
#include <QBoxLayout>
#include <QHeaderView>
#include <QLabel>
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

bool Pane::deploymentHas(Capability capability, QString* whyNot) const
{
    const Capabilities capabilities = m_backend ? m_backend->capabilities() : Capabilities();
    if (capabilities.has(capability))
        return true;
    if (whyNot) {
        *whyNot = capabilities.whyNot(capability);
        if (whyNot->isEmpty())
            *whyNot = tr("This server cannot do this.");
    }
    return false;
}

bool Pane::requireCapability(QAction* action, Capability capability) const
{
    QString why;
    if (deploymentHas(capability, &why))
        return true;
    action->setEnabled(false);
    action->setToolTip(why);
    action->setStatusTip(why);
    return false;
}

void Pane::showUnavailable(const QString& reason, const QString& hint)
{
    m_unavailableReason = reason;
    // The pane's widgets stay (other code keeps pointers to them) but hidden; nothing refills them
    // because refresh() loads nothing.
    for (QWidget* child : findChildren<QWidget*>(Qt::FindDirectChildrenOnly)) {
        if (!child->isWindow())
            child->hide();
    }
    // Nor do the lists' models fetch a first page when their (hidden) views ask.
    for (LazyTableModel* model : findChildren<LazyTableModel*>())
        model->clear();
    for (QAction* action : findChildren<QAction*>()) {
        action->setEnabled(false);
        action->setToolTip(reason);
        action->setStatusTip(reason);
    }
    auto* label = new QLabel(this);
    label->setObjectName(QStringLiteral("capabilityReasonLabel"));
    label->setTextFormat(Qt::PlainText);
    label->setText(hint.isEmpty() ? reason : reason + QStringLiteral("\n\n") + hint);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setForegroundRole(QPalette::PlaceholderText);
    QFont larger = label->font();
    larger.setPointSizeF(larger.pointSizeF() * 1.15);
    label->setFont(larger);
    if (auto* box = qobject_cast<QBoxLayout*>(layout())) {
        box->insertWidget(0, label, 1);
    } else {
        auto* own = new QVBoxLayout(this); // a pane without a layout yet
        own->addWidget(label, 1);
    }
    markLoaded();
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
