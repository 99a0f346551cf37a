#include "detailsparts.h"

#include <QFormLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QToolButton>

#include <algorithm>

namespace portcullis::details {

QLabel* placeholder(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignCenter);
    return label;
}

QLabel* title(const QString& objectName, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    font.setBold(true);
    label->setFont(font);
    return label;
}

QFormLayout* form()
{
    auto* layout = new QFormLayout;
    layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    return layout;
}

QLabel* addValue(QFormLayout* form, const QString& label, QLabel* value, const QString& objectName, bool wrap)
{
    value->setObjectName(objectName);
    value->setWordWrap(wrap);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    form->addRow(label, value);
    return value;
}

void ElidingLabel::setFullText(const QString& text)
{
    m_full = text;
    updateText();
}

QSize ElidingLabel::minimumSizeHint() const
{
    return { fontMetrics().averageCharWidth() * 8, QLabel::minimumSizeHint().height() };
}

void ElidingLabel::resizeEvent(QResizeEvent* event)
{
    QLabel::resizeEvent(event);
    updateText();
}

void ElidingLabel::updateText()
{
    const QString shown = fontMetrics().elidedText(m_full, Qt::ElideMiddle, std::max(0, contentsRect().width()));
    setText(shown);
    // The tooltip only when something is hidden: a tooltip that repeats what is shown is noise.
    setToolTip(shown == m_full ? QString() : m_full);
}

QToolButton* actionButton(QAction* action, QWidget* parent)
{
    auto* button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return button;
}

} // namespace portcullis::details
