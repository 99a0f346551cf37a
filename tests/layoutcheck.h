#pragma once

// A generic check of a laid-out widget tree, as a user would see it in a small window: every
// visible widget that a layout (or a splitter) places lies inside its parent, is not smaller than
// the layout promised it (the size below which its text or frame is cut off), and does not overlap
// a sibling placed by the same parent; labels that do not wrap show their whole text, wrapped ones
// their every line; date fields show their whole date; line edits show their whole placeholder; a
// panel in a scroll area never needs to scroll sideways.
// Widgets that lie over others on purpose are not placed by a layout (the empty-state text over a
// list's viewport, the contents of a scroll area), so the check leaves them alone; the internals of
// compound widgets (spin boxes, combo boxes, charts, scroll bars, item views) are Qt's.

#include <QAbstractItemView>
#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QGraphicsView>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QMainWindow>
#include <QRadioButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStackedLayout>
#include <QStackedWidget>
#include <QStyle>
#include <QTabBar>
#include <QToolBar>

#include <functional>

namespace portcullis::test::layout {

// "QLabel auditActorFilterLabel in auditFilterRow in auditPane"
inline QString describe(const QWidget* w)
{
    QString text = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        text += QLatin1Char(' ') + w->objectName();
    if (auto* label = qobject_cast<const QLabel*>(w); label && !label->text().isEmpty())
        text += QStringLiteral(" \"%1\"").arg(label->text().left(40));
    int named = 0;
    for (const QWidget* p = w->parentWidget(); p && named < 2; p = p->parentWidget()) {
        if (p->objectName().isEmpty() || p->objectName().startsWith(QLatin1String("qt_")))
            continue;
        text += QStringLiteral(" in ") + p->objectName();
        ++named;
    }
    return text;
}

inline QString sizeText(const QSize& s)
{
    return QStringLiteral("%1×%2").arg(s.width()).arg(s.height());
}

// The layout below `layout` that holds `w` directly (nullptr when none does).
inline QLayout* owningLayout(QLayout* layout, const QWidget* w)
{
    if (!layout)
        return nullptr;
    for (int i = 0; i < layout->count(); ++i) {
        QLayoutItem* item = layout->itemAt(i);
        if (item->widget() == w)
            return layout;
        if (QLayout* found = owningLayout(item->layout(), w))
            return found;
    }
    return nullptr;
}

// Placed by its parent: by a layout of the parent, or as a splitter's or a stacked widget's page.
inline bool isPlaced(const QWidget* w)
{
    const QWidget* p = w->parentWidget();
    if (!p)
        return false;
    if (qobject_cast<const QSplitter*>(p))
        return true;
    return owningLayout(p->layout(), w) != nullptr;
}

// Inside a compound widget whose parts Qt lays out (and clips) itself.
inline bool isInternal(const QWidget* w, const QWidget* top)
{
    for (const QWidget* p = w->parentWidget(); p && p != top->parentWidget(); p = p->parentWidget()) {
        if (qobject_cast<const QAbstractSpinBox*>(p) || qobject_cast<const QComboBox*>(p)
            || qobject_cast<const QGraphicsView*>(p) || qobject_cast<const QAbstractItemView*>(p)
            || qobject_cast<const QScrollBar*>(p) || qobject_cast<const QTabBar*>(p))
            return true;
    }
    return false;
}

// The smallest size a layout gives `w` (what QLayout computes from its hints and policy).
inline QSize layoutMinimum(const QWidget* w)
{
    const QSizePolicy policy = w->sizePolicy();
    const QSize hint = w->sizeHint();
    const QSize minHint = w->minimumSizeHint();
    QSize s(0, 0);
    if (policy.horizontalPolicy() != QSizePolicy::Ignored)
        s.setWidth((policy.horizontalPolicy() & QSizePolicy::ShrinkFlag) ? minHint.width()
                                                                         : std::max(hint.width(), minHint.width()));
    if (policy.verticalPolicy() != QSizePolicy::Ignored)
        s.setHeight((policy.verticalPolicy() & QSizePolicy::ShrinkFlag) ? minHint.height()
                                                                        : std::max(hint.height(), minHint.height()));
    if (w->minimumWidth() > 0)
        s.setWidth(w->minimumWidth());
    if (w->minimumHeight() > 0)
        s.setHeight(w->minimumHeight());
    return s.boundedTo(w->maximumSize()).expandedTo(w->minimumSize());
}

// Why `root` cannot be narrower: from `root` down through its layouts, the item that needs the most
// width, each with the width it needs ("auditPane 981 > QVBoxLayout 963 > QHBoxLayout 963 > ...");
// a layout step lists the widths of all its items.
inline QString widestPath(QWidget* root)
{
    QStringList steps;
    QLayoutItem* item = nullptr;
    QWidget* w = root;
    while (w || item) {
        QLayout* layout = nullptr;
        if (w) {
            steps << QStringLiteral("%1 %2").arg(describe(w)).arg(layoutMinimum(w).width());
            layout = w->layout();
            if (auto* scroll = qobject_cast<QScrollArea*>(w); scroll && scroll->widget()) {
                w = scroll->widget();
                item = nullptr;
                continue;
            }
            if (!layout) {
                // A splitter or a stack without a layout of its own: its widest child.
                QWidget* widest = nullptr;
                for (QObject* child : w->children()) {
                    auto* c = qobject_cast<QWidget*>(child);
                    if (c && !c->isWindow() && !c->isHidden() && isPlaced(c)
                        && (!widest || layoutMinimum(c).width() > layoutMinimum(widest).width()))
                        widest = c;
                }
                w = widest;
                item = nullptr;
                continue;
            }
        } else {
            layout = item->layout();
        }
        if (!layout)
            break;
        QStringList widths;
        QLayoutItem* widest = nullptr;
        for (int i = 0; i < layout->count(); ++i) {
            QLayoutItem* child = layout->itemAt(i);
            if (child->isEmpty() && !qobject_cast<QStackedLayout*>(layout))
                continue;
            const int width = child->widget() ? layoutMinimum(child->widget()).width() : child->minimumSize().width();
            widths << (child->widget()
                           ? (child->widget()->objectName().isEmpty()
                                  ? QString::fromLatin1(child->widget()->metaObject()->className())
                                  : child->widget()->objectName())
                           : (child->layout() ? QString::fromLatin1(child->layout()->metaObject()->className())
                                              : QStringLiteral("space")))
                    + QLatin1Char(' ') + QString::number(width);
            if (!widest
                || width > (widest->widget() ? layoutMinimum(widest->widget()).width() : widest->minimumSize().width()))
                widest = child;
        }
        steps << QStringLiteral("%1 %2 [%3]")
                     .arg(QString::fromLatin1(layout->metaObject()->className()))
                     .arg(layout->minimumSize().width())
                     .arg(widths.join(QLatin1String(", ")));
        if (!widest)
            break;
        w = widest->widget();
        item = w ? nullptr : widest;
    }
    return steps.join(QLatin1String("\n    > "));
}

struct Options
{
    // Widgets the check leaves alone (by object name), with the reason in the caller.
    QStringList ignoredNames;
};

// The problems of every visible widget below `top` (empty: the layout is sound).
inline QStringList check(QWidget* top, const Options& options = {})
{
    QStringList problems;
    const QList<QWidget*> widgets = top->findChildren<QWidget*>();
    auto ignored = [&](const QWidget* w) {
        for (const QWidget* p = w; p && p != top; p = p->parentWidget()) {
            if (options.ignoredNames.contains(p->objectName()))
                return true;
        }
        return false;
    };
    for (QWidget* w : widgets) {
        if (!w->isVisible() || w->isWindow() || isInternal(w, top) || ignored(w))
            continue;
        QWidget* parent = w->parentWidget();
        if (!isPlaced(w))
            continue;
        // Inside the parent.
        if (!parent->rect().contains(w->geometry())) {
            problems << QStringLiteral("%1 at %2,%3 %4 sticks out of its parent (%5)")
                            .arg(describe(w))
                            .arg(w->x())
                            .arg(w->y())
                            .arg(sizeText(w->size()), sizeText(parent->size()));
            continue;
        }
        // Not crushed below what its contents need.
        const QSize need = layoutMinimum(w);
        const bool narrow = w->width() + 1 < need.width();
        const bool flat = !w->hasHeightForWidth() && w->height() + 1 < need.height();
        if (narrow || flat) {
            problems << QStringLiteral("%1 is %2 but needs %3 (clipped or crushed)")
                            .arg(describe(w), sizeText(w->size()), sizeText(need));
            continue;
        }
        // Text that must be read whole.
        if (auto* label = qobject_cast<QLabel*>(w); label && !label->text().isEmpty() && label->pixmap().isNull()) {
            if (!label->wordWrap()
                && label->sizeHint().width() > label->width() + 1
                // elided on purpose, with the whole text in the tooltip
                && !(label->text().contains(QChar(0x2026)) && !label->toolTip().isEmpty()))
                problems << QStringLiteral("%1 cuts its text: %2 wide, the text needs %3")
                                .arg(describe(w))
                                .arg(label->width())
                                .arg(label->sizeHint().width());
            else if (label->wordWrap() && label->heightForWidth(label->width()) > label->height() + 1)
                problems << QStringLiteral("%1 cuts its lines: %2 high, the text needs %3")
                                .arg(describe(w))
                                .arg(label->height())
                                .arg(label->heightForWidth(label->width()));
        }
        if (auto* date = qobject_cast<QDateTimeEdit*>(w); date && date->sizeHint().width() > date->width() + 1)
            problems << QStringLiteral("%1 cuts its date \"%2\": %3 wide, needs %4")
                            .arg(describe(w), date->text())
                            .arg(date->width())
                            .arg(date->sizeHint().width());
        if (auto* edit = qobject_cast<QLineEdit*>(w);
            edit && edit->text().isEmpty() && !edit->placeholderText().isEmpty()) {
            const QMargins margins = edit->textMargins();
            const int frame = edit->hasFrame() ? 2 * edit->style()->pixelMetric(QStyle::PM_DefaultFrameWidth) : 0;
            // QLineEdit keeps 2 px each side; a clear button takes a square of the field's height.
            const int room = edit->width() - frame - 4 - margins.left() - margins.right()
                - (edit->isClearButtonEnabled() ? edit->height() : 0);
            const int needed = edit->fontMetrics().horizontalAdvance(edit->placeholderText());
            if (needed > room)
                problems << QStringLiteral("%1 cuts its placeholder \"%2\": %3 px of room, needs %4")
                                .arg(describe(w), edit->placeholderText())
                                .arg(room)
                                .arg(needed);
        }
    }
    // A panel in a scroll area may scroll down, never sideways: its content would be cut at the right.
    for (QWidget* w : widgets) {
        auto* scroll = qobject_cast<QScrollArea*>(w);
        if (!scroll || !scroll->isVisible() || isInternal(w, top) || ignored(w) || !scroll->widget()
            || !scroll->widgetResizable())
            continue;
        const int need = layoutMinimum(scroll->widget()).width();
        if (need > scroll->viewport()->width())
            problems << QStringLiteral("%1 is %2 wide but its %3 needs %4: it scrolls sideways; the widest:\n    %5")
                            .arg(describe(scroll))
                            .arg(scroll->viewport()->width())
                            .arg(describe(scroll->widget()))
                            .arg(need)
                            .arg(widestPath(scroll->widget()));
    }
    // Siblings a layout placed must not overlap (a stacked layout shows one page at a time).
    for (QWidget* parent : QList<QWidget*> { top } + widgets) {
        if (!parent->isVisible() || isInternal(parent, top) || ignored(parent) || qobject_cast<QStackedWidget*>(parent))
            continue;
        QList<QWidget*> placed;
        for (QObject* child : parent->children()) {
            auto* w = qobject_cast<QWidget*>(child);
            if (w && w->isVisible() && !w->isWindow() && isPlaced(w) && !ignored(w)
                && !qobject_cast<QStackedLayout*>(owningLayout(parent->layout(), w)))
                placed << w;
        }
        for (int i = 0; i < placed.size(); ++i) {
            for (int j = i + 1; j < placed.size(); ++j) {
                const QRect overlap = placed.at(i)->geometry() & placed.at(j)->geometry();
                if (!overlap.isEmpty())
                    problems << QStringLiteral("%1 and %2 overlap (%3 px)")
                                    .arg(describe(placed.at(i)), describe(placed.at(j)), sizeText(overlap.size()));
            }
        }
    }
    return problems;
}

} // namespace portcullis::test::layout
