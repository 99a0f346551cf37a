#include "auditpane.h"

#include "auditlogmodel.h"
#include "detailsparts.h"
#include "displayformat.h"
#include "flowlayout.h"
#include "messagebox.h"
#include "policy/catalog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressDialog>
#include <QRegularExpression>
#include <QScrollBar>
#include <QStandardPaths>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <atomic>
#include <memory>
#include <utility>

namespace portcullis {

// --- userfilter ------------------------------------------------------------------------------

namespace userfilter {

Kind classify(const QString& text)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return Kind::Empty;
    static const QRegularExpression number(QStringLiteral("^#?\\d{1,18}$"));
    if (number.match(t).hasMatch())
        return Kind::Id;
    if (t.contains(QLatin1Char('@')))
        return Kind::Email;
    return Kind::Name;
}

Id idOf(const QString& text)
{
    if (classify(text) != Kind::Id)
        return 0;
    QString t = text.trimmed();
    if (t.startsWith(QLatin1Char('#')))
        t.remove(0, 1);
    return t.toLongLong();
}

void resolve(Backend* backend, QObject* context, const QString& text, Id organizationScope,
             std::function<void(const Result<User>&)> done)
{
    const QString wanted = text.trimmed();
    const Kind kind = classify(wanted);
    if (!backend) {
        done(ServiceError::unavailable(QCoreApplication::translate("portcullis::userfilter", "Not connected")));
        return;
    }
    UserQuery q;
    q.search = wanted;
    q.organizationId = organizationScope;
    // A name must match exactly one user; an email is a substring of others ("ana@" in "diana@"),
    // so look at a few candidates and take the exact one.
    q.limit = kind == Kind::Email ? 20 : 2;
    backend->listUsers(q).then(context, [wanted, kind, done](const Result<Page<User>>& page) {
        if (!page.ok()) {
            done(page.error());
            return;
        }
        if (kind == Kind::Email) {
            for (const User& u : page->items) {
                if (u.email.compare(wanted, Qt::CaseInsensitive) == 0) {
                    done(u);
                    return;
                }
            }
            done(ServiceError::notFound(
                QCoreApplication::translate("portcullis::userfilter", "No user has the email %1").arg(wanted)));
            return;
        }
        if (page->total == 1 && !page->items.isEmpty()) {
            done(page->items.first());
            return;
        }
        if (page->total == 0) {
            done(ServiceError::notFound(
                QCoreApplication::translate("portcullis::userfilter", "No user matches “%1”").arg(wanted)));
            return;
        }
        done(ServiceError::validation(
            QCoreApplication::translate("portcullis::userfilter", "%1 users match, type the email")
                .arg(display::number(page->total))));
    });
}

} // namespace userfilter

// --- details panel ---------------------------------------------------------------------------

namespace {

// "ab12cd34 ef56…": a SHA-256 in groups of eight, so the label wraps between groups.
QString groupedHash(const QByteArray& hex)
{
    QStringList groups;
    for (int i = 0; i < hex.size(); i += 8)
        groups << QString::fromLatin1(hex.mid(i, 8));
    return groups.join(QLatin1Char(' '));
}

} // namespace

// The panel under the table: every field of the selected event in two columns, its details JSON
// beside them, and its place in the hash chain. Under the table rather than beside it, so the
// seven columns keep the window's full width.
class AuditDetailsPanel : public QWidget
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::AuditDetailsPanel)

public:
    explicit AuditDetailsPanel(QWidget* parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("auditDetailsPanel"));
        setAccessibleName(tr("Event details"));
        const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
        auto* outer = new QVBoxLayout(this);
        outer->setContentsMargins(0, em / 2, 0, 0);
        m_placeholder
            = details::placeholder(tr("Select an event to see all of its fields, its details and its hashes."), this);
        m_placeholder->setObjectName(QStringLiteral("auditDetailsPlaceholder"));
        outer->addWidget(m_placeholder);

        // Side by side, wrapping onto further lines when the panel is narrow (an 800×600 window, French).
        auto* columns = new FlowLayout;
        columns->setSpacing(em);
        outer->addLayout(columns, 1);
        const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        auto makeForm = [columns] {
            auto* form = details::form();
            form->setVerticalSpacing(2);
            form->setRowWrapPolicy(QFormLayout::DontWrapRows);
            form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
            columns->addLayout(form, 1);
            return form;
        };
        auto addRow = [this, &mono](QFormLayout* form, const QString& key, const QString& label, bool fixed = false) {
            auto* value = details::addValue(form, label, new QLabel(this), QStringLiteral("auditDetail_") + key);
            value->setTextFormat(Qt::PlainText);
            if (fixed)
                value->setFont(mono);
            m_values.insert(key, value);
        };
        QFormLayout* who = makeForm();
        addRow(who, QStringLiteral("id"), tr("Event:"));
        addRow(who, QStringLiteral("time"), tr("Time:"));
        addRow(who, QStringLiteral("utc"), tr("UTC:"));
        addRow(who, QStringLiteral("actor"), tr("Actor:"));
        addRow(who, QStringLiteral("actorType"), tr("Actor type:"));
        addRow(who, QStringLiteral("organization"), tr("Organization:"));
        QFormLayout* what = makeForm();
        addRow(what, QStringLiteral("action"), tr("Action:"));
        addRow(what, QStringLiteral("resource"), tr("Resource:"));
        addRow(what, QStringLiteral("outcome"), tr("Outcome:"));
        addRow(what, QStringLiteral("ip"), tr("IP address:"));
        addRow(what, QStringLiteral("prevHash"), tr("Previous hash:"), true);
        addRow(what, QStringLiteral("hash"), tr("Hash:"), true);
        m_forms = { who, what };

        auto* jsonColumn = new QVBoxLayout;
        m_jsonLabel = new QLabel(tr("&Details (JSON):"), this);
        jsonColumn->addWidget(m_jsonLabel);
        m_json = new QPlainTextEdit(this);
        m_json->setObjectName(QStringLiteral("auditDetailsJson"));
        m_json->setAccessibleName(tr("Event details as JSON"));
        m_json->setReadOnly(true);
        m_json->setFont(mono);
        m_json->setLineWrapMode(QPlainTextEdit::WidgetWidth);
        m_jsonLabel->setBuddy(m_json);
        jsonColumn->addWidget(m_json, 1);
        columns->addLayout(jsonColumn, 1);
        setEvent(nullptr, {});
    }

    void setEvent(const AuditEvent* e, const QString& organization)
    {
        const bool one = e != nullptr;
        m_placeholder->setVisible(!one);
        m_jsonLabel->setVisible(one);
        m_json->setVisible(one);
        for (QFormLayout* form : std::as_const(m_forms)) {
            for (int i = 0; i < form->rowCount(); ++i)
                form->setRowVisible(i, one);
        }
        if (!one) {
            m_json->clear();
            return;
        }
        auto set
            = [this](const char* key, const QString& text) { m_values.value(QString::fromLatin1(key))->setText(text); };
        set("id", QStringLiteral("#%1").arg(e->id));
        set("time", display::dateTime(e->time));
        set("utc", e->time.toUTC().toString(Qt::ISODateWithMs));
        set("actor", AuditLogModel::actorText(*e));
        set("actorType", e->actorType);
        set("organization", organization);
        set("action", e->action);
        set("resource", AuditLogModel::resourceText(*e));
        set("outcome", AuditLogModel::outcomeText(e->outcome));
        set("ip", e->ip.isEmpty() ? tr("(none)") : e->ip);
        set("prevHash", groupedHash(e->prevHash));
        set("hash", groupedHash(e->hash));
        m_values.value(QStringLiteral("outcome"))
            ->setStyleSheet(
                e->outcome == QLatin1String("denied")
                    ? QStringLiteral("font-weight: bold; color: %1;").arg(display::warningBrush().color().name())
                    : QString());
        m_json->setPlainText(e->details.isEmpty()
                                 ? tr("(no details)")
                                 : QString::fromUtf8(QJsonDocument(e->details).toJson(QJsonDocument::Indented)));
    }

private:
    QLabel* m_placeholder = nullptr;
    QList<QFormLayout*> m_forms;
    QHash<QString, QLabel*> m_values;
    QLabel* m_jsonLabel = nullptr;
    QPlainTextEdit* m_json = nullptr;
};

// --- filter lines ----------------------------------------------------------------------------

namespace {

// Two rows of filters, side by side or one under the other (AuditPane::fitFilterLines() chooses).
// Its minimum width is always that of the rows one under the other, so that side by side it never
// holds the window wider than the user makes it: narrower, the rows move under each other.
class FilterLine : public QBoxLayout
{
public:
    FilterLine()
        : QBoxLayout(QBoxLayout::TopToBottom)
    { }

    QSize minimumSize() const override
    {
        QSize size = QBoxLayout::minimumSize();
        if (direction() == QBoxLayout::LeftToRight) {
            int widest = 0;
            for (int i = 0; i < count(); ++i)
                widest = std::max(widest, itemAt(i)->minimumSize().width());
            const QMargins margins = contentsMargins();
            size.setWidth(widest + margins.left() + margins.right());
        }
        return size;
    }
};

} // namespace

// --- AuditPane -------------------------------------------------------------------------------

AuditPane::AuditPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("auditPane"));
    // Shown again (another pane was in front, the window was minimized), a list a few seconds old
    // loads again: support staff come back to it for what happened meanwhile, anywhere.
    setMaxDataAge(5000);
    m_model = new AuditLogModel(backend, this);
    buildWhoWhatFilters();
    buildWhereWhenFilters();
    buildActions();
    buildFilterRows();
    buildTable();
    buildDetails();
    connectFilters();
    connectModel();
    buildFollow();
    updateDetails();
    if (QString why; !deploymentHas(Capability::AuditLog, &why))
        showUnavailable(why);
}

// Filters: who, what, on what, how it ended.
void AuditPane::buildWhoWhatFilters()
{
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_actorFilter = createSearch(QStringLiteral("auditActorFilter"), tr("Filter by actor"), tr("Email, name or #id"));
    m_actorFilter->setToolTip(tr("An email, a user id (42 or #42), or part of a name that matches exactly one user"));
    // A typical address shows whole, with the clear button beside it.
    m_actorFilter->setMinimumWidth(
        m_actorFilter->fontMetrics().horizontalAdvance(QStringLiteral("dana.schmidt@contoso.example")) + 3 * em);

    buildActionFilter();

    m_resourceTypeFilter = createFilterCombo(QStringLiteral("auditResourceTypeFilter"), tr("Filter by resource type"));
    m_resourceTypeFilter->setEditable(true);
    m_resourceTypeFilter->setInsertPolicy(QComboBox::NoInsert);
    m_resourceTypeFilter->addItem(QString());
    for (const char* type : { "user", "role", "session", "api_key", "organization", "invitation", "audit", "stats",
                              "settings", "maintenance" })
        m_resourceTypeFilter->addItem(QString::fromLatin1(type));
    m_resourceTypeFilter->lineEdit()->setPlaceholderText(tr("Any type"));
    m_resourceTypeFilter->setMinimumContentsLength(9);
    m_resourceTypeFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);

    m_resourceIdFilter = new QLineEdit(this);
    m_resourceIdFilter->setObjectName(QStringLiteral("auditResourceIdFilter"));
    m_resourceIdFilter->setAccessibleName(tr("Filter by resource id"));
    m_resourceIdFilter->setPlaceholderText(tr("Id"));
    m_resourceIdFilter->setClearButtonEnabled(true);
    m_resourceIdFilter->setMaximumWidth(8 * em);

    m_outcomeFilter = createFilterCombo(QStringLiteral("auditOutcomeFilter"), tr("Filter by outcome"));
    m_outcomeFilter->addItem(tr("Any outcome"), QString());
    m_outcomeFilter->addItem(tr("Success"), QStringLiteral("success"));
    m_outcomeFilter->addItem(tr("Denied"), QStringLiteral("denied"));
}

void AuditPane::buildActionFilter()
{
    m_actionFilter = createFilterCombo(QStringLiteral("auditActionFilter"), tr("Filter by action"));
    m_actionFilter->setEditable(true);
    m_actionFilter->setInsertPolicy(QComboBox::NoInsert);
    m_actionFilter->setToolTip(tr("An action such as user.banned, or a prefix ending in * such as user.*"));
    m_actionFilter->addItem(QString());
    // Every action the core writes (the catalog), each family's "family.*" first.
    for (const QString& family : actions::families()) {
        m_actionFilter->addItem(family + QStringLiteral(".*"));
        for (const QString& name : actions::all()) {
            if (name.startsWith(family + QLatin1Char('.')))
                m_actionFilter->addItem(name);
        }
    }
    m_actionFilter->lineEdit()->setPlaceholderText(tr("Any action"));
    m_actionFilter->lineEdit()->setClearButtonEnabled(true);
    m_actionFilter->setMinimumContentsLength(14);
    m_actionFilter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
}

// Where from and when; the message under the filters and the count.
void AuditPane::buildWhereWhenFilters()
{
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_ipFilter = new QLineEdit(this);
    m_ipFilter->setObjectName(QStringLiteral("auditIpFilter"));
    m_ipFilter->setAccessibleName(tr("Filter by IP address"));
    m_ipFilter->setPlaceholderText(tr("Any address"));
    m_ipFilter->setClearButtonEnabled(true);
    m_ipFilter->setMinimumWidth(11 * em);
    m_ipFilter->setMaximumWidth(18 * em);

    // The time range: a preset (the last hour ... 30 days, a window that moves with every load) or
    // dates typed the way the list writes them. "To" left empty is "now", an open end.
    m_rangePreset = createFilterCombo(QStringLiteral("auditRangePreset"), tr("Time range"));
    m_rangePreset->addItem(tr("Any time"), 0);
    m_rangePreset->addItem(tr("Last hour"), 3600);
    m_rangePreset->addItem(tr("Last 24 hours"), 24 * 3600);
    m_rangePreset->addItem(tr("Last 7 days"), 7 * 24 * 3600);
    m_rangePreset->addItem(tr("Last 30 days"), 30 * 24 * 3600);
    m_rangePreset->addItem(tr("Custom range"), -1);
    m_rangePreset->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    // The widest date this locale writes, whole, and the clear button beside it.
    const QString widest = display::dateTime(QDateTime(QDate(2026, 12, 28), QTime(23, 58, 59)));
    const QString example = display::dateTime(QDateTime(QDate(2026, 12, 4), QTime(22, 0)));
    auto makeDateEdit
        = [this, em, &widest, &example](const char* name, const QString& accessible, const QString& placeholder) {
              auto* edit = new QLineEdit(this);
              edit->setObjectName(QString::fromLatin1(name));
              edit->setAccessibleName(accessible);
              edit->setPlaceholderText(placeholder);
              edit->setClearButtonEnabled(true);
              edit->setToolTip(
                  tr("A date and time as the list writes them, such as %1; a date alone means midnight").arg(example));
              edit->setMinimumWidth(edit->fontMetrics().horizontalAdvance(widest) + 3 * em);
              edit->setMaximumWidth(edit->minimumWidth() + 4 * em);
              return edit;
          };
    m_fromEdit = makeDateEdit("auditFromEdit", tr("Events from (inclusive)"), tr("any time"));
    m_toEdit = makeDateEdit("auditToEdit", tr("Events before (exclusive)"), tr("now"));

    createFilterMessage(QStringLiteral("auditFilterMessage"));
    createCount(QStringLiteral("auditCountLabel"));
}

// Actions (pane-wide shortcuts; also on the buttons and in the context menu).
void AuditPane::buildActions()
{
    m_exportAction = createAction(tr("E&xport…"), "auditExportAction", &AuditPane::exportLog);
    bindToPane(m_exportAction, QKeySequence(QStringLiteral("Ctrl+E")));
    m_verifyAction = createAction(tr("&Verify integrity"), "verifyAuditAction", &AuditPane::verifyIntegrity);
    bindToPane(m_verifyAction, QKeySequence(QStringLiteral("Ctrl+Shift+I")));
    m_clearFiltersAction = createAction(tr("C&lear filters"), "clearAuditFiltersAction", &AuditPane::clearFilters);
    bindToPane(m_clearFiltersAction, QKeySequence(QStringLiteral("Ctrl+Shift+L")));
    // Ctrl+C itself is the main window's Copy (routed to copySelection()); this one is for the menu.
    m_copyAction = createAction(tr("&Copy"), "copyAuditEventsAction", &AuditPane::copySelection);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetShortcut);
    buildFilterByActions();
}

// "Only this actor" and the like: the selected event's value into one filter, applied at once.
void AuditPane::buildFilterByActions()
{
    auto filterBy = [this](const char* name, const QString& text, std::function<void(const AuditEvent&)> apply) {
        return createAction(text, name, [this, apply] {
            const QList<int> rows = selectedRows();
            if (rows.isEmpty())
                return;
            m_suppressFilter = true;
            apply(m_model->eventAt(rows.first()));
            m_suppressFilter = false;
            applyFilter();
        });
    };
    m_filterByActorAction = filterBy("filterByActorAction", tr("Only this &actor"), [this](const AuditEvent& e) {
        m_actorFilter->setText(e.actorLabel.isEmpty() || e.actorType != QLatin1String("user")
                                   ? QStringLiteral("#%1").arg(e.actorId)
                                   : e.actorLabel);
    });
    m_filterByActionAction = filterBy("filterByActionAction", tr("Only this acti&on"),
                                      [this](const AuditEvent& e) { m_actionFilter->setEditText(e.action); });
    m_filterByResourceAction
        = filterBy("filterByResourceAction", tr("Only this &resource"), [this](const AuditEvent& e) {
              m_resourceTypeFilter->setEditText(e.resourceType);
              m_resourceIdFilter->setText(e.resourceId);
          });
    m_filterByIpAction = filterBy("filterByIpAction", tr("Only this &IP address"),
                                  [this](const AuditEvent& e) { m_ipFilter->setText(e.ip); });
    m_openUserAction = createAction(tr("Open this &user"), "openAuditUserAction", &AuditPane::openUser);
    m_openOrganizationAction
        = createAction(tr("Open this or&ganization"), "openAuditOrganizationAction", &AuditPane::openOrganization);
}

// The filter rows with their labels, and the buttons for the pane's actions.
void AuditPane::buildFilterRows()
{
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    auto labelFor = [this](const QString& text, QWidget* buddy) {
        auto* label = new QLabel(text, this);
        label->setBuddy(buddy);
        return label;
    };
    auto button = [this](QAction* action, const char* name) {
        auto* b = new QToolButton(this);
        b->setObjectName(QString::fromLatin1(name));
        b->setDefaultAction(action);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        return b;
    };

    // Four short rows, paired side by side when the pane is wide enough (fitFilterLines()): who and
    // what / on what, from where; when / the count and the actions.
    auto* who = new QHBoxLayout;
    who->addWidget(labelFor(tr("&Actor:"), m_actorFilter));
    who->addWidget(m_actorFilter, 3);
    who->addSpacing(em / 2);
    who->addWidget(labelFor(tr("A&ction:"), m_actionFilter));
    who->addWidget(m_actionFilter, 2);

    // The rows of what and when wrap on their own in a narrow pane (800×600, French, 200 %): a label
    // stays with its field.
    auto* what = new FlowLayout;
    auto* when = new FlowLayout;
    auto addGroup = [em](FlowLayout* row, std::initializer_list<QWidget*> widgets, int stretch) {
        auto* group = new QHBoxLayout;
        group->setSpacing(em / 2);
        for (QWidget* w : widgets) {
            const bool label = w == *widgets.begin();
            if (label) // beside its field, however wide the group gets
                w->setSizePolicy(QSizePolicy::Maximum, w->sizePolicy().verticalPolicy());
            group->addWidget(w, label ? 0 : 1);
        }
        group->addStretch(0); // what a field's maximum width leaves, after it
        row->addLayout(group, stretch);
    };
    addGroup(what, { labelFor(tr("&Resource:"), m_resourceTypeFilter), m_resourceTypeFilter, m_resourceIdFilter }, 1);
    addGroup(what, { labelFor(tr("O&utcome:"), m_outcomeFilter), m_outcomeFilter }, 0);
    addGroup(what, { labelFor(tr("&IP:"), m_ipFilter), m_ipFilter }, 1);
    addGroup(when, { labelFor(tr("&When:"), m_rangePreset), m_rangePreset }, 0);
    addGroup(when, { labelFor(tr("Fro&m:"), m_fromEdit), m_fromEdit }, 1);
    addGroup(when, { labelFor(tr("T&o:"), m_toEdit), m_toEdit }, 1);

    auto* tools = new QHBoxLayout;
    tools->addWidget(button(m_clearFiltersAction, "clearAuditFiltersButton"));
    m_involvesFilter = new QToolButton(this);
    m_involvesFilter->setObjectName(QStringLiteral("auditInvolvesFilter"));
    m_involvesFilter->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_involvesFilter->setToolTip(
        tr("Only the events this user took part in, as actor or as target. Click to remove this filter."));
    m_involvesFilter->hide();
    connect(m_involvesFilter, &QToolButton::clicked, this, [this] {
        m_involvesUserId = 0;
        m_involvesFilter->hide();
        applyFilter();
    });
    tools->addWidget(m_involvesFilter);
    tools->addStretch(1);
    tools->addWidget(m_count);
    tools->addSpacing(em);
    tools->addWidget(button(m_exportAction, "auditExportButton"));
    tools->addWidget(button(m_verifyAction, "verifyAuditButton"));

    // The rows' own spacing, set: a nested layout would otherwise take its line's, which changes
    // with the line's direction, and with it the width the rows want.
    const int gap = style()->pixelMetric(QStyle::PM_LayoutHorizontalSpacing);
    for (QLayout* row : std::initializer_list<QLayout*> { who, what, when, tools })
        row->setSpacing(gap >= 0 ? gap : em / 2);
    for (const auto& [first, second] :
         { std::pair<QLayout*, QLayout*> { who, what }, std::pair<QLayout*, QLayout*> { when, tools } }) {
        auto* line = new FilterLine;
        // Each row as wide as it asks (a row that wraps gets its whole line before wrapping).
        line->addLayout(first, 0);
        line->addLayout(second, 0);
        m_filterLines << line;
        addFilterRow(line);
    }
}

// Side by side when both rows of a line fit at their preferred width, else one under the other
// (800 px wide windows, large fonts, 200 % scaling).
void AuditPane::fitFilterLines()
{
    // The width the pane has or, hidden in the window's stack, the width it gets when shown (its own
    // is what it had when last shown, perhaps in a wider window).
    const QWidget* frame = !isVisible() && parentWidget() ? parentWidget() : this;
    const int available = frame->contentsRect().width() - 2 * style()->pixelMetric(QStyle::PM_LayoutLeftMargin);
    for (QBoxLayout* line : std::as_const(m_filterLines)) {
        int wanted = line->spacing() * 2;
        for (int i = 0; i < line->count(); ++i)
            wanted += line->itemAt(i)->sizeHint().width();
        const auto direction = wanted <= available ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom;
        if (line->direction() != direction) {
            line->setDirection(direction);
            line->setSpacing(
                direction == QBoxLayout::LeftToRight ? 2 * fontMetrics().horizontalAdvance(QLatin1Char('m')) : -1);
        }
    }
}

void AuditPane::resizeEvent(QResizeEvent* event)
{
    fitFilterLines();
    ListPane::resizeEvent(event);
}

bool AuditPane::event(QEvent* event)
{
    // A row's preferred width changed (the count grew from "Loading…" to "200+ events (scroll for
    // more)", another language): choose again whether its line's rows fit side by side.
    if (event->type() == QEvent::LayoutRequest)
        fitFilterLines();
    return ListPane::event(event);
}

void AuditPane::buildTable()
{
    createTable(QStringLiteral("auditTableView"), tr("Audit events"), m_model, QAbstractItemView::ExtendedSelection,
                QStringLiteral("auditEmptyLabel"));
    m_table->setTextElideMode(Qt::ElideMiddle);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    const QFontMetrics fm = m_table->fontMetrics();
    const int pad = em;
    // The widest date this locale writes (two-digit day, month and hour, a long zone name).
    const QString sampleTime = display::dateTime(QDateTime(QDate(2026, 12, 28), QTime(23, 58, 59)));
    m_table->setColumnWidth(AuditLogModel::TimeColumn, fm.horizontalAdvance(sampleTime) + pad);
    m_table->setColumnWidth(AuditLogModel::ActorColumn, 24 * em);
    m_table->setColumnWidth(AuditLogModel::OrganizationColumn, 11 * em);
    m_table->setColumnWidth(AuditLogModel::ActionColumn, fm.horizontalAdvance(actions::UserPasswordChanged) + pad);
    m_table->setColumnWidth(AuditLogModel::ResourceColumn,
                            fm.horizontalAdvance(QStringLiteral("user #1234 (dana.schmidt@contoso)")) + pad);
    m_table->setColumnWidth(
        AuditLogModel::OutcomeColumn,
        std::max(fm.horizontalAdvance(AuditLogModel::outcomeText(QStringLiteral("success"))),
                 fm.horizontalAdvance(m_model->headerData(AuditLogModel::OutcomeColumn, Qt::Horizontal).toString()))
            + pad);
}

void AuditPane::buildDetails()
{
    m_details = new AuditDetailsPanel(this);
    const int lines = fontMetrics().lineSpacing();
    layOut(m_details,
           { .orientation = Qt::Vertical,
             .sizes = { 40 * lines, 13 * lines },
             .splitterName = QStringLiteral("auditSplitter"),
             .scrollName = QStringLiteral("auditDetailsScroll") });
}

// Filters apply after a short pause in typing; Return applies at once.
void AuditPane::connectFilters()
{
    m_filterDelay = createDelay(300, &AuditPane::applyFilter);
    for (QLineEdit* edit : { m_actorFilter, m_resourceIdFilter, m_ipFilter }) {
        connect(edit, &QLineEdit::textChanged, this, &AuditPane::scheduleFilter);
        connect(edit, &QLineEdit::returnPressed, this, &AuditPane::applyFilter);
    }
    for (QComboBox* combo : { m_actionFilter, m_resourceTypeFilter }) {
        connect(combo, &QComboBox::currentTextChanged, this, &AuditPane::scheduleFilter);
        connect(combo->lineEdit(), &QLineEdit::returnPressed, this, &AuditPane::applyFilter);
    }
    connect(m_outcomeFilter, &QComboBox::currentIndexChanged, this, &AuditPane::scheduleFilter);
    connect(m_rangePreset, &QComboBox::currentIndexChanged, this, &AuditPane::rangePresetChanged);
    for (QLineEdit* edit : { m_fromEdit, m_toEdit }) {
        // Typing makes the range a custom one; it applies once the text reads as a date (or is
        // empty), and Return or leaving the field says why when it does not.
        connect(edit, &QLineEdit::textEdited, this, &AuditPane::rangeEdited);
        connect(edit, &QLineEdit::textChanged, this, [this, edit](const QString& text) {
            if (m_suppressFilter)
                return;
            if (text.trimmed().isEmpty() || display::parseDateTime(text).isValid()) {
                edit->setStyleSheet(QString());
                scheduleFilter();
            }
        });
        connect(edit, &QLineEdit::returnPressed, this, &AuditPane::applyFilter);
        connect(edit, &QLineEdit::editingFinished, this, [this, edit] {
            if (!edit->text().trimmed().isEmpty() && !display::parseDateTime(edit->text()).isValid())
                applyFilter();
        });
    }
}

void AuditPane::setRangePreset(RangePreset preset)
{
    m_rangePreset->setCurrentIndex(int(preset));
}

void AuditPane::rangePresetChanged()
{
    const int span = m_rangePreset->currentData().toInt();
    if (span >= 0) { // a preset: the fields show it (the start is written at every load)
        const bool wasSuppressed = m_suppressFilter;
        m_suppressFilter = true;
        m_fromEdit->setText(span > 0 ? display::dateTime(QDateTime::currentDateTime().addSecs(-span)) : QString());
        m_toEdit->clear();
        m_fromEdit->setStyleSheet(QString());
        m_toEdit->setStyleSheet(QString());
        m_suppressFilter = wasSuppressed;
    }
    scheduleFilter();
}

void AuditPane::rangeEdited()
{
    if (m_rangePreset->currentIndex() == CustomRange)
        return;
    const bool wasSuppressed = m_suppressFilter;
    m_suppressFilter = true;
    m_rangePreset->setCurrentIndex(CustomRange);
    m_suppressFilter = wasSuppressed;
}

bool AuditPane::readRange(AuditQuery* query, QString* problem, QLineEdit** wrongField)
{
    const int span = m_rangePreset->currentData().toInt();
    if (span > 0) {
        // A window that moves: it ends now at every load, and the field shows where it starts.
        const QDateTime from = QDateTime::currentDateTime().addSecs(-span);
        query->from = from.toUTC();
        const bool wasSuppressed = m_suppressFilter;
        m_suppressFilter = true;
        m_fromEdit->setText(display::dateTime(from));
        m_suppressFilter = wasSuppressed;
        return true;
    }
    if (span == 0)
        return true;
    const QString example = display::dateTime(QDateTime(QDate(2026, 12, 4), QTime(22, 0)));
    for (QLineEdit* edit : { m_fromEdit, m_toEdit }) {
        const QString text = edit->text().trimmed();
        if (text.isEmpty())
            continue; // no start; no end: now
        const QDateTime time = display::parseDateTime(text);
        if (!time.isValid()) {
            *problem = tr("“%1” is not a date the console reads: type it as the list writes dates, such as %2. "
                          "The list still shows the previous range.")
                           .arg(text, example);
            *wrongField = edit;
            return false;
        }
        (edit == m_fromEdit ? query->from : query->to) = time.toUTC();
    }
    if (query->from.isValid() && query->to.isValid() && query->from >= query->to) {
        *problem = tr("“From” must be before “To”. The list still shows the previous range.");
        *wrongField = m_toEdit;
        return false;
    }
    return true;
}

void AuditPane::connectModel()
{
    connectTable();
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AuditPane::updateDetails);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditPane::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &AuditPane::updateDetails);
    connect(m_model, &LazyTableModel::pageLoaded, this, [this] {
        updateCount();
        fitColumns();
        if (m_reselectId != 0) {
            const Id wanted = std::exchange(m_reselectId, 0);
            for (int row = 0; row < m_model->rowCount(); ++row) {
                if (m_model->isRowLoaded(row) && m_model->eventAt(row).id == wanted) {
                    m_table->selectRow(row);
                    break;
                }
            }
        }
        markLoaded();
    });
    reportLoadFailures(m_model, &LazyTableModel::loadFailed, tr("Could not load the audit log: %1"));
}

// Follow mode, like `tail -f`: every FollowIntervalMs while the pane is visible, the events newer
// than the top row are read and inserted above it (the selection and the details stay). The newest
// row stays in view; scrolling down, an end date or a failed read turns following off and says so.
void AuditPane::buildFollow()
{
    m_followAction = new QAction(tr("Follo&w"), this);
    m_followAction->setObjectName(QStringLiteral("auditFollowAction"));
    m_followAction->setCheckable(true);
    m_followAction->setToolTip(
        tr("Show new events as they happen (checks every %1 seconds)").arg(FollowIntervalMs / 1000));
    auto* button = new QToolButton(this);
    button->setObjectName(QStringLiteral("auditFollowButton"));
    button->setDefaultAction(m_followAction);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (auto* row : findChildren<QBoxLayout*>()) {
        if (const int at = row->indexOf(m_count); at >= 0) {
            row->insertWidget(at, button); // before the count
            break;
        }
    }
    // Tab reaches it where it is shown, after the filters' Clear button, not after the table.
    if (auto* clear = findChild<QToolButton*>(QStringLiteral("clearAuditFiltersButton")))
        QWidget::setTabOrder(clear, button);
    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(FollowIntervalMs);
    connect(m_followTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            m_model->fetchNewer();
    });
    connect(m_followAction, &QAction::toggled, this, [this](bool on) {
        if (!on) {
            m_followTimer->stop();
            return;
        }
        if (m_model->query().to.isValid()) {
            stopFollowing(tr("Not following: clear the end date to see new events."));
            return;
        }
        showFilterMessage({}, false);
        m_table->scrollToTop();
        m_model->fetchNewer();
        m_followTimer->start();
    });
    connect(m_model, &AuditLogModel::newerEventsInserted, this, [this] {
        if (m_followAction->isChecked())
            m_table->scrollToTop();
        updateCount();
    });
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value > 0 && m_followAction->isChecked())
            stopFollowing(tr("Stopped following: you scrolled away from the newest events."));
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        if (m_followAction->isChecked() && m_model->query().to.isValid())
            stopFollowing(tr("Stopped following: the list ends at a date."));
    });
    connect(m_model, &LazyTableModel::loadFailed, this, [this] {
        if (m_followAction->isChecked())
            stopFollowing(tr("Stopped following: the audit log could not be read."));
    });
}

void AuditPane::stopFollowing(const QString& why)
{
    m_followAction->setChecked(false);
    m_followTimer->stop();
    showFilterMessage(why, false);
}

void AuditPane::refresh()
{
    if (unavailable())
        return; // the deployment keeps no audit log: nothing to ask for
    // The selected event stays selected if the first page lists it again.
    if (const QList<int> rows = selectedRows(); rows.size() == 1)
        m_reselectId = m_model->eventAt(rows.first()).id;
    loadOrganizations();
    applyFilter();
}

void AuditPane::showEvent(QShowEvent* event)
{
    fitFilterLines();
    ListPane::showEvent(event); // reloads a list older than maxDataAge() (Pane::showEvent)
}

void AuditPane::applyRequest(const PaneRequest& request)
{
    if (request.status == QLatin1String("involves") && request.userId != 0)
        showInvolving(request.userId, request.search.trimmed());
    else if (request.userId != 0 || !request.search.trimmed().isEmpty())
        showForUser(request.userId, request.search.trimmed());
    // The dashboard's "Events in 24 h": the window it counts, moving with every reload.
    if (request.status == QLatin1String("last24h"))
        m_rangePreset->setCurrentIndex(m_rangePreset->findData(24 * 3600));
}

// The user the selected event is about: its target when that is a user, else its actor.
void AuditPane::openUser()
{
    const QList<int> rows = selectedRows();
    if (rows.isEmpty())
        return;
    const AuditEvent e = m_model->eventAt(rows.first());
    bool numeric = false;
    const Id target = e.resourceId.toLongLong(&numeric);
    if (e.resourceType == QLatin1String("user") && numeric && target > 0)
        emit openRequested(QStringLiteral("users"), PaneRequest { .search = e.resourceLabel, .selectId = target });
    else if (e.actorType == QLatin1String("user") && e.actorId != 0)
        emit openRequested(QStringLiteral("users"), PaneRequest { .search = e.actorLabel, .selectId = e.actorId });
}

// The organization the event is about: its target when that is an organization, else its tenant.
void AuditPane::openOrganization()
{
    const QList<int> rows = selectedRows();
    if (rows.isEmpty())
        return;
    const AuditEvent e = m_model->eventAt(rows.first());
    bool numeric = false;
    const Id target = e.resourceId.toLongLong(&numeric);
    if (e.resourceType == QLatin1String("organization") && numeric && target > 0)
        emit openRequested(QStringLiteral("organizations"),
                           PaneRequest { .search = e.resourceLabel, .selectId = target });
    else if (e.organizationId != 0)
        emit openRequested(QStringLiteral("organizations"),
                           PaneRequest { .search = m_model->organizationNames().value(e.organizationId),
                                         .selectId = e.organizationId });
}

void AuditPane::organizationScopeChanged()
{
    if (isLoaded())
        applyFilter();
}

void AuditPane::loadOrganizations()
{
    if (!m_backend || unavailable()) {
        m_namesLoaded = true;
        return;
    }
    if (m_namesLoading)
        return;
    m_namesLoading = true;
    whenDone(m_backend->listOrganizations(), this, [this](const Result<QList<Organization>>& orgs) {
        m_namesLoading = false;
        m_namesLoaded = true; // or could not be: the column then shows ids; the log itself still loads
        if (orgs.ok()) {
            QHash<Id, QString> names;
            for (const Organization& o : orgs.value())
                names.insert(o.id, o.name);
            m_model->setOrganizationNames(names);
            fitColumns();
        }
        if (m_hasPendingQuery) {
            m_hasPendingQuery = false;
            m_model->setQuery(m_pendingQuery);
        }
    });
}

void AuditPane::scheduleFilter()
{
    if (!m_suppressFilter)
        m_filterDelay->start();
}

AuditQuery AuditPane::filterQuery() const
{
    AuditQuery q;
    q.organizationId = organizationScope();
    q.action = m_actionFilter->currentText().trimmed();
    q.resourceType = m_resourceTypeFilter->currentText().trimmed();
    q.resourceId = m_resourceIdFilter->text().trimmed();
    if (q.resourceId.startsWith(QLatin1Char('#')))
        q.resourceId.remove(0, 1);
    q.outcome = m_outcomeFilter->currentData().toString();
    q.ip = m_ipFilter->text().trimmed();
    q.involvesUserId = m_involvesUserId;
    return q;
}

AuditQuery AuditPane::currentQuery() const
{
    return m_model->query();
}

void AuditPane::applyFilter()
{
    if (unavailable())
        return;
    m_filterDelay->stop();
    const int generation = ++m_filterGeneration;
    AuditQuery q = filterQuery();
    QString problem;
    QLineEdit* wrong = nullptr;
    if (!readRange(&q, &problem, &wrong)) {
        // Never a silently different range: the list stays as it was and the message says why.
        showFilterMessage(problem, true);
        m_actorFilter->setStyleSheet(QString());
        wrong->setStyleSheet(
            QStringLiteral("QLineEdit { border: 1px solid %1; }").arg(display::warningBrush().color().name()));
        markLoaded();
        return;
    }
    m_fromEdit->setStyleSheet(QString());
    m_toEdit->setStyleSheet(QString());
    const QString actor = m_actorFilter->text().trimmed();
    switch (userfilter::classify(actor)) {
    case userfilter::Kind::Empty:
        break;
    case userfilter::Kind::Id:
        q.actorId = userfilter::idOf(actor);
        break;
    case userfilter::Kind::Email:
        // Matched against the email recorded with each event, so deleted users' trails still show.
        q.actorEmail = actor;
        break;
    case userfilter::Kind::Name:
        showFilterMessage(tr("Looking up “%1”…").arg(actor), false);
        userfilter::resolve(m_backend, this, actor, organizationScope(),
                            [this, generation, q, actor](const Result<User>& user) mutable {
                                if (generation != m_filterGeneration)
                                    return; // the filter changed while the lookup ran
                                if (!user.ok()) {
                                    showFilterMessage(user.error().message, true);
                                    markLoaded();
                                    return;
                                }
                                showFilterMessage(tr("Actor “%1” is %2").arg(actor, user->email), false);
                                q.actorEmail = user->email;
                                load(q);
                            });
        return;
    }
    showFilterMessage({}, false);
    load(q);
}

void AuditPane::load(const AuditQuery& query)
{
    m_count->setText(tr("Loading…"));
    if (!m_namesLoaded) {
        // The first load waits for the organization names (one short request), so that no row
        // and no details panel shows an organization as "#3".
        m_pendingQuery = query;
        m_hasPendingQuery = true;
        loadOrganizations();
        return;
    }
    m_model->setQuery(query);
}

bool AuditPane::hasFilters() const
{
    return !m_actorFilter->text().trimmed().isEmpty() || !m_actionFilter->currentText().trimmed().isEmpty()
        || !m_resourceTypeFilter->currentText().trimmed().isEmpty() || !m_resourceIdFilter->text().trimmed().isEmpty()
        || m_outcomeFilter->currentIndex() > 0 || !m_ipFilter->text().trimmed().isEmpty()
        || m_rangePreset->currentIndex() != AnyTime || m_involvesUserId != 0;
}

void AuditPane::clearFilters()
{
    resetFilterWidgets();
    applyFilter();
}

void AuditPane::resetFilterWidgets()
{
    const bool wasSuppressed = m_suppressFilter;
    m_suppressFilter = true;
    m_actorFilter->clear();
    m_involvesUserId = 0;
    if (m_involvesFilter)
        m_involvesFilter->hide();
    m_actionFilter->setEditText(QString());
    m_resourceTypeFilter->setEditText(QString());
    m_resourceIdFilter->clear();
    m_outcomeFilter->setCurrentIndex(0);
    m_ipFilter->clear();
    m_rangePreset->setCurrentIndex(AnyTime);
    m_fromEdit->clear();
    m_toEdit->clear();
    m_fromEdit->setStyleSheet(QString());
    m_toEdit->setStyleSheet(QString());
    m_suppressFilter = wasSuppressed;
}

void AuditPane::showForUser(Id userId, const QString& email)
{
    m_suppressFilter = true;
    resetFilterWidgets();
    m_actorFilter->setText(email.isEmpty() ? QStringLiteral("#%1").arg(userId) : email);
    m_suppressFilter = false;
    applyFilter();
}

void AuditPane::showInvolving(Id userId, const QString& email)
{
    m_suppressFilter = true;
    resetFilterWidgets();
    m_involvesUserId = userId;
    m_involvesFilter->setText(tr("Involving %1 ✕").arg(email.isEmpty() ? QStringLiteral("#%1").arg(userId) : email));
    m_involvesFilter->setAccessibleName(tr("Remove the filter: events involving %1").arg(email));
    m_involvesFilter->show();
    m_suppressFilter = false;
    applyFilter();
}

void AuditPane::fitColumns()
{
    // With the first rows, and again once the tenant names arrive: the columns whose width depends
    // on the data take what the rows need, within bounds, and the actor column gets the room the
    // others leave (long emails elide in the middle; the tooltip and the details have them whole).
    // After that the widths are the user's.
    const bool named = !m_model->organizationNames().isEmpty();
    if (m_model->rowCount() == 0 || (m_columnsFitted && (m_namesFitted || !named)))
        return;
    m_columnsFitted = true;
    m_namesFitted = named;
    const int em = m_table->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    auto wanted = [this](int column) { return static_cast<QAbstractItemView*>(m_table)->sizeHintForColumn(column); };
    m_table->setColumnWidth(AuditLogModel::OrganizationColumn,
                            std::clamp(wanted(AuditLogModel::OrganizationColumn), 7 * em, 16 * em));
    // The resource names its target ("user #17 (dana.schmidt@contoso.example)").
    m_table->setColumnWidth(AuditLogModel::ResourceColumn,
                            std::clamp(wanted(AuditLogModel::ResourceColumn), 7 * em, 20 * em));
    // The IP column, last, stretches into what is left: keep room for a whole IPv4 address.
    int others = m_table->fontMetrics().horizontalAdvance(QStringLiteral("255.255.255.255")) + 2 * em;
    for (int c = 0; c < AuditLogModel::IpColumn; ++c) {
        if (c != AuditLogModel::ActorColumn)
            others += m_table->columnWidth(c);
    }
    const int room = std::max(14 * em, m_table->viewport()->width() - others);
    m_table->setColumnWidth(AuditLogModel::ActorColumn,
                            std::clamp(wanted(AuditLogModel::ActorColumn), 14 * em, std::min(room, 30 * em)));
}

void AuditPane::updateCount()
{
    const int rows = m_model->rowCount();
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the audit log:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else {
        // Keyset paging has no total: say how many are shown and whether more follow on scrolling.
        m_count->setText(m_model->atEnd() ? (rows == 1 ? tr("1 event") : tr("%Ln events", nullptr, rows))
                                          : tr("%1+ events (scroll for more)").arg(display::number(rows)));
        m_empty->setText(hasFilters() ? tr("No event matches these filters.\nWiden the date range or clear the "
                                           "filters (Ctrl+Shift+L).")
                                      : tr("The audit log is empty.\nEvery change and every refused attempt will "
                                           "be listed here."));
    }
    showEmptyState(rows == 0);
}

QList<int> AuditPane::selectedRows() const
{
    QList<int> rows;
    const auto indexes = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& index : indexes)
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    return rows;
}

void AuditPane::updateDetails()
{
    const QList<int> rows = selectedRows();
    int row = -1;
    if (rows.size() == 1)
        row = rows.first();
    else if (rows.size() > 1 && m_table->currentIndex().isValid())
        row = m_table->currentIndex().row();
    if (row >= 0 && row < m_model->rowCount()) {
        const AuditEvent e = m_model->eventAt(row);
        const QString organization = m_model->organizationName(e.organizationId);
        m_details->setEvent(&e, organization);
        // The list keeps only what it shows; the details JSON and the hashes come with the event.
        if (m_backend) {
            const Id id = e.id;
            whenDone(m_backend->getAuditEvent(id), this, [this, id, organization](const Result<AuditEvent>& full) {
                const QList<int> now = selectedRows();
                if (!full.ok() || now.size() != 1 || m_model->eventAt(now.first()).id != id)
                    return;
                m_details->setEvent(&full.value(), organization);
            });
        }
    } else {
        m_details->setEvent(nullptr, {});
    }
    updateActions();
}

void AuditPane::updateActions()
{
    QString why;
    bool allowed = may(perm::AuditExport, &why);
    if (allowed && m_exporting) {
        allowed = false;
        why = tr("An export is running");
    }
    setActionAllowed(m_exportAction, allowed, why,
                     tr("Export every event that matches the filters to CSV or JSON Lines"));
    allowed = may(perm::AuditVerify, &why);
    if (allowed && !actor().isSuperAdmin()) { // the core refuses it too: the chain covers every organization
        allowed = false;
        why = tr("Only super admins verify the chain: it covers every organization");
    }
    if (allowed && m_verifying) {
        allowed = false;
        why = tr("The check is running");
    }
    setActionAllowed(m_verifyAction, allowed, why, tr("Check the hash chain of the whole audit log"));
    const bool one = !selectedRows().isEmpty();
    const QString select = tr("Select an event first");
    for (QAction* a :
         { m_copyAction, m_filterByActorAction, m_filterByActionAction, m_filterByResourceAction, m_filterByIpAction })
        setActionAllowed(a, one, select);
    // "Open this user": the target when it is a user, else the actor; named in the menu.
    AuditEvent e;
    if (one)
        e = m_model->eventAt(selectedRows().first());
    const bool userTarget = e.resourceType == QLatin1String("user") && e.resourceId.toLongLong() > 0;
    const bool userActor = e.actorType == QLatin1String("user") && e.actorId != 0;
    const QString user = userTarget ? (e.resourceLabel.isEmpty() ? QStringLiteral("#") + e.resourceId : e.resourceLabel)
                                    : (e.actorLabel.isEmpty() ? QStringLiteral("#%1").arg(e.actorId) : e.actorLabel);
    m_openUserAction->setText(
        userTarget || userActor ? tr("Open &user %1").arg(QString(user).replace(QLatin1Char('&'), QLatin1String("&&")))
                                : tr("Open this &user"));
    setActionAllowed(m_openUserAction, userTarget || userActor, one ? tr("The event names no user") : select);
    const bool orgTarget = e.resourceType == QLatin1String("organization") && e.resourceId.toLongLong() > 0;
    const QString organization = orgTarget
        ? (e.resourceLabel.isEmpty() ? QStringLiteral("#") + e.resourceId : e.resourceLabel)
        : m_model->organizationName(e.organizationId);
    m_openOrganizationAction->setText(
        orgTarget || e.organizationId != 0
            ? tr("Open or&ganization %1").arg(QString(organization).replace(QLatin1Char('&'), QLatin1String("&&")))
            : tr("Open this or&ganization"));
    setActionAllowed(m_openOrganizationAction, orgTarget || e.organizationId != 0,
                     one ? tr("The event belongs to no organization") : select);
    emit actionsChanged();
}

void AuditPane::showContextMenu(const QPoint& pos)
{
    QList<QAction*> actions;
    if (m_table->indexAt(pos).isValid() || !selectedRows().isEmpty())
        actions << m_copyAction << nullptr << m_openUserAction << m_openOrganizationAction << nullptr
                << m_filterByActorAction << m_filterByActionAction << m_filterByResourceAction << m_filterByIpAction
                << nullptr;
    actions << m_clearFiltersAction << m_exportAction << m_verifyAction;
    popupMenu(m_table, actions, pos);
}

void AuditPane::copySelection()
{
    QStringList lines;
    for (int row : selectedRows()) {
        if (!m_model->isRowLoaded(row))
            continue; // a selection wider than the rows the list holds copies the rows it holds
        const AuditEvent& e = m_model->eventAt(row);
        lines << QStringList { e.time.toUTC().toString(Qt::ISODateWithMs),
                               AuditLogModel::actorText(e),
                               m_model->organizationName(e.organizationId),
                               e.action,
                               AuditLogModel::resourceText(e),
                               e.outcome,
                               e.ip }
                     .join(QLatin1Char('\t'));
    }
    if (lines.isEmpty())
        return;
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    emit statusMessage(lines.size() == 1 ? tr("Copied 1 event") : tr("Copied %n events", nullptr, int(lines.size())));
}

void AuditPane::exportLog()
{
    if (!m_backend || !m_exportAction->isEnabled())
        return;
    const QString csvFilter = tr("CSV (*.csv)");
    const QString jsonFilter = tr("JSON Lines (*.jsonl)");
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested
        = QDir(folder).filePath(QStringLiteral("audit-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)));
    QString path = FileDialog::getSaveFileName(this, tr("Export the audit log"), suggested,
                                               csvFilter + QStringLiteral(";;") + jsonFilter);
    if (path.isEmpty())
        return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool jsonLines
        = suffix == QLatin1String("jsonl") || suffix == QLatin1String("ndjson") || suffix == QLatin1String("json");
    if (!jsonLines && suffix != QLatin1String("csv"))
        path += QStringLiteral(".csv");

    const AuditQuery query = m_model->query();
    auto cancel = std::make_shared<std::atomic_bool>(false);
    auto* dialog = new QProgressDialog(tr("Exporting the audit log to %1…").arg(QDir::toNativeSeparators(path)),
                                       tr("Cancel"), 0, 0, this);
    dialog->setObjectName(QStringLiteral("auditExportProgress"));
    dialog->setWindowTitle(tr("Export"));
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setMinimumDuration(0);
    connect(dialog, &QProgressDialog::canceled, this, [this, cancel] {
        cancel->store(true);
        emit statusMessage(tr("Cancelling the export…"));
    });
    const QPointer<QProgressDialog> guard(dialog);
    const QString shownPath = QDir::toNativeSeparators(path);
    // Runs on a backend worker thread. The QPointer is only looked at on the GUI thread: the call
    // is queued to the application object (alive as long as anything here), and the lambda then
    // finds out whether the dialog still exists.
    auto progress = [guard, shownPath](qint64 written) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, shownPath, written] {
                if (guard)
                    guard->setLabelText(tr("Exporting the audit log to %1…\n%2 events written")
                                            .arg(shownPath, display::number(written)));
            },
            Qt::QueuedConnection);
    };
    m_exporting = true;
    updateActions();
    emit statusMessage(tr("Exporting to %1…").arg(shownPath));
    m_backend->exportAudit(query, path, jsonLines, progress, cancel)
        .then(this, [this, guard, shownPath, cancel](const Result<qint64>& written) {
            m_exporting = false;
            updateActions();
            if (guard) {
                guard->hide();
                guard->deleteLater();
            }
            if (!written.ok()) {
                if (cancel->load()) {
                    emit statusMessage(tr("Export cancelled; no file was written"));
                    return;
                }
                showError(tr("Export"), written.error());
                return;
            }
            emit statusMessage(tr("Exported %1 events to %2").arg(display::number(written.value()), shownPath));
        });
    dialog->open();
}

void AuditPane::verifyIntegrity()
{
    if (!m_backend || !m_verifyAction->isEnabled())
        return;
    m_verifying = true;
    updateActions();
    emit statusMessage(tr("Checking the audit chain…"));
    // Millions of events take a while: the check can be cancelled (the server stops reading too).
    auto cancel = std::make_shared<std::atomic_bool>(false);
    auto* dialog = new QProgressDialog(tr("Checking the audit chain…"), tr("Cancel"), 0, 0, this);
    dialog->setObjectName(QStringLiteral("auditVerifyProgress"));
    dialog->setWindowTitle(tr("Verify integrity"));
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setMinimumDuration(500); // a quick check finishes without a dialog flashing up
    connect(dialog, &QProgressDialog::canceled, this, [this, cancel] {
        cancel->store(true);
        emit statusMessage(tr("Cancelling the integrity check…"));
    });
    const QPointer<QProgressDialog> guard(dialog);
    whenDone(m_backend->verifyAudit(cancel), this, [this, guard, cancel](const Result<AuditCheck>& check) {
        m_verifying = false;
        updateActions();
        if (guard) {
            guard->hide();
            guard->deleteLater();
        }
        if (!check.ok()) {
            if (cancel->load()) {
                emit statusMessage(tr("Integrity check cancelled"));
                return;
            }
            showError(tr("Verify integrity"), check.error());
            return;
        }
        if (check->ok) {
            const QString text = tr("Chain intact: %1 events").arg(display::number(check->count));
            emit statusMessage(text);
            MessageBox::information(this, tr("Audit integrity"), text);
        } else {
            // No event id: the check itself could not run (no usable audit key, an unauthentic
            // checkpoint), which is not the same as a break.
            const QString text = check->firstBrokenId == 0
                ? tr("The audit log could not be checked: %1").arg(check->problem)
                : tr("Broken at event #%1: %2").arg(QString::number(check->firstBrokenId), check->problem);
            emit statusMessage(text);
            MessageBox::warning(this, tr("Audit integrity"), text);
        }
    });
}

} // namespace portcullis
