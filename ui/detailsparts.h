#pragma once

// The pieces every pane's details panel is made of, so the six panels look and behave alike: the
// placeholder shown while nothing is selected, the bold title, a form of selectable values, and
// the text buttons for the pane's actions.

#include <QLabel>
#include <QString>

class QAction;
class QFormLayout;
class QToolButton;
class QWidget;

namespace portcullis::details {

// Word-wrapped and centred: what to select, and what can be done.
QLabel* placeholder(const QString& text, QWidget* parent);
// The selected item's name, a fifth larger and bold.
QLabel* title(const QString& objectName, QWidget* parent);
// A form whose values take the panel's width.
QFormLayout* form();
// Makes `value` a details value (selectable with mouse and keyboard, word-wrapped unless told not
// to), names it, and adds it to `form` under `label`.
QLabel* addValue(QFormLayout* form, const QString& label, QLabel* value, const QString& objectName, bool wrap = true);
// A value that is one long token (an email address, a user name): elided in the middle to the room
// it has, the whole text in its tooltip, so a long value never widens the side panel nor is cut
// off unseen. Set it with setFullText(); add it with addValue(..., wrap = false).
class ElidingLabel : public QLabel
{
public:
    using QLabel::QLabel;

    void setFullText(const QString& text);
    QString fullText() const { return m_full; }
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateText();

    QString m_full;
};

// A text button for `action` that fills the panel's width.
QToolButton* actionButton(QAction* action, QWidget* parent);

} // namespace portcullis::details
