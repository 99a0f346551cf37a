#include "flowlayout.h"

#include <QStyle>
#include <QWidget>

namespace portcullis {

FlowLayout::FlowLayout(QWidget* parent)
    : QLayout(parent)
{ }

FlowLayout::~FlowLayout()
{
    for (const Entry& entry : std::as_const(m_entries))
        delete entry.item;
}

void FlowLayout::addWidget(QWidget* widget, int stretch)
{
    addChildWidget(widget);
    m_entries << Entry { new QWidgetItem(widget), stretch };
    invalidate();
}

void FlowLayout::addLayout(QLayout* layout, int stretch)
{
    addChildLayout(layout);
    m_entries << Entry { layout, stretch };
    invalidate();
}

void FlowLayout::addItem(QLayoutItem* item)
{
    m_entries << Entry { item, 0 };
    invalidate();
}

int FlowLayout::count() const
{
    return int(m_entries.size());
}

QLayoutItem* FlowLayout::itemAt(int index) const
{
    return index >= 0 && index < m_entries.size() ? m_entries.at(index).item : nullptr;
}

QLayoutItem* FlowLayout::takeAt(int index)
{
    if (index < 0 || index >= m_entries.size())
        return nullptr;
    QLayoutItem* item = m_entries.takeAt(index).item;
    invalidate();
    return item;
}

Qt::Orientations FlowLayout::expandingDirections() const
{
    return Qt::Horizontal;
}

int FlowLayout::heightForWidth(int width) const
{
    return arrange(QRect(0, 0, width, 0), false);
}

QSize FlowLayout::minimumSize() const
{
    // As narrow as the widest item, each on a line of its own.
    QSize size;
    for (const Entry& entry : m_entries) {
        if (!entry.item->isEmpty())
            size = size.expandedTo(entry.item->minimumSize());
    }
    const QMargins margins = contentsMargins();
    return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom());
}

QSize FlowLayout::sizeHint() const
{
    // Everything on one line.
    int width = 0;
    int height = 0;
    int visible = 0;
    for (const Entry& entry : m_entries) {
        if (entry.item->isEmpty())
            continue;
        const QSize hint = entry.item->sizeHint();
        width += hint.width();
        height = std::max(height, hint.height());
        ++visible;
    }
    width += std::max(0, visible - 1) * horizontalSpacing();
    const QMargins margins = contentsMargins();
    return { width + margins.left() + margins.right(), height + margins.top() + margins.bottom() };
}

void FlowLayout::setGeometry(const QRect& rect)
{
    QLayout::setGeometry(rect);
    arrange(rect, true);
}

int FlowLayout::horizontalSpacing() const
{
    if (spacing() >= 0)
        return spacing();
    const QWidget* parent = parentWidget();
    return parent ? parent->style()->pixelMetric(QStyle::PM_LayoutHorizontalSpacing, nullptr, parent) : 6;
}

int FlowLayout::verticalSpacing() const
{
    if (spacing() >= 0)
        return spacing();
    const QWidget* parent = parentWidget();
    return parent ? parent->style()->pixelMetric(QStyle::PM_LayoutVerticalSpacing, nullptr, parent) : 6;
}

int FlowLayout::arrange(const QRect& rect, bool apply) const
{
    const QRect area = rect.marginsRemoved(contentsMargins());
    const int room = std::max(0, area.width());
    const int hSpace = horizontalSpacing();
    const int vSpace = verticalSpacing();

    struct Placed
    {
        QLayoutItem* item;
        int stretch;
        int width;
    };
    QList<QList<Placed>> lines(1);
    int used = 0;
    for (const Entry& entry : m_entries) {
        if (entry.item->isEmpty())
            continue;
        const int width = std::max(std::min(entry.item->sizeHint().width(), room), entry.item->minimumSize().width());
        if (!lines.last().isEmpty() && used + hSpace + width > room) {
            lines.append(QList<Placed>());
            used = 0;
        }
        used += (lines.last().isEmpty() ? 0 : hSpace) + width;
        lines.last().append({ entry.item, entry.stretch, width });
    }

    int y = area.y();
    bool first = true;
    for (QList<Placed>& line : lines) {
        if (line.isEmpty())
            continue;
        int lineWidth = 0;
        int stretches = 0;
        for (const Placed& p : std::as_const(line)) {
            lineWidth += p.width;
            stretches += p.stretch;
        }
        lineWidth += int(line.size() - 1) * hSpace;
        // The room left on the line goes to the stretching items, in proportion.
        int extra = std::max(0, room - lineWidth);
        for (Placed& p : line) {
            if (stretches == 0 || extra == 0)
                break;
            const int share = extra * p.stretch / stretches;
            const int grown = std::min(p.width + share, std::max(p.width, p.item->maximumSize().width()));
            extra -= grown - p.width;
            stretches -= p.stretch;
            p.width = grown;
        }
        // Each item as high as it needs at the width it got (wrapped text needs more when narrow).
        auto heightOf = [](const Placed& p) {
            const int least = p.item->minimumSize().height();
            return p.item->hasHeightForWidth() ? std::max(p.item->heightForWidth(p.width), least)
                                               : std::max(p.item->sizeHint().height(), least);
        };
        int height = 0;
        for (const Placed& p : std::as_const(line))
            height = std::max(height, heightOf(p));
        if (!first)
            y += vSpace;
        first = false;
        if (apply) {
            int x = area.x();
            for (const Placed& p : std::as_const(line)) {
                const bool fill = p.item->expandingDirections() & Qt::Vertical;
                const int h = fill ? height : std::min(height, heightOf(p));
                p.item->setGeometry(QRect(x, y + (height - h) / 2, p.width, h));
                x += p.width + hSpace;
            }
        }
        y += height;
    }
    return y - area.y() + contentsMargins().top() + contentsMargins().bottom();
}

} // namespace portcullis
