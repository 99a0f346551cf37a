#include "detailsparts.h"

#include <QFormLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QToolButton>
#include <QVBoxLayout>

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

Panel::Panel(const QString& objectName, const QString& accessibleName, QWidget* parent)
    : QWidget(parent)
{
    setObjectName(objectName);
    setAccessibleName(accessibleName);
    m_layout = new QVBoxLayout(this);
}

void Panel::addAction(QAction* action)
{
    auto* button = actionButton(action, this);
    m_buttons->addWidget(button);
    m_actionButtons << button;
}

QLabel* Panel::addPlaceholder(const QString& text)
{
    m_placeholder = placeholder(text, this);
    m_layout->addWidget(m_placeholder);
    return m_placeholder;
}

QLabel* Panel::addTitle(const QString& objectName)
{
    m_title = title(objectName, this);
    m_layout->addWidget(m_title);
    return m_title;
}

QFormLayout* Panel::addForm(const QList<QPair<QString, QString>>& rows, const QString& namePrefix,
                            const QSet<QString>& tokens)
{
    m_form = form();
    m_tokens = tokens;
    for (const auto& [key, label] : rows) {
        const bool token = tokens.contains(key);
        m_values.insert(
            key, addValue(m_form, label, token ? new ElidingLabel(this) : new QLabel(this), namePrefix + key, !token));
    }
    m_layout->addLayout(m_form);
    return m_form;
}

QVBoxLayout* Panel::addButtonColumn()
{
    auto* column = new QVBoxLayout;
    column->setSpacing(4);
    m_layout->addLayout(column);
    m_buttons = column;
    return column;
}

void Panel::showSelection(bool one, bool buttons)
{
    m_placeholder->setVisible(!one);
    m_title->setVisible(one);
    for (int i = 0; i < m_form->rowCount(); ++i)
        m_form->setRowVisible(i, one);
    for (QToolButton* b : std::as_const(m_actionButtons))
        b->setVisible(buttons);
}

void Panel::setValue(const QString& key, const QString& text)
{
    QLabel* label = m_values.value(key);
    if (!label)
        return; // a row the panel leaves out (what the deployment does not have)
    if (m_tokens.contains(key))
        static_cast<ElidingLabel*>(label)->setFullText(text);
    else
        label->setText(text);
}

} // namespace portcullis::details
