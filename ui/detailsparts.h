#pragma once

// The pieces every pane's details panel is made of, so the six panels look and behave alike: the
// placeholder shown while nothing is selected, the bold title, a form of selectable values, and
// the text buttons for the pane's actions.

#include <QString>

class QAction;
class QFormLayout;
class QLabel;
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
// A text button for `action` that fills the panel's width.
QToolButton* actionButton(QAction* action, QWidget* parent);

} // namespace portcullis::details
