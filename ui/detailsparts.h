#pragma once

// The pieces every pane's details panel is made of, so the six panels look and behave alike: the
// placeholder shown while nothing is selected, the bold title, a form of selectable values, and
// the text buttons for the pane's actions.

#include <QHash>
#include <QLabel>
#include <QList>
#include <QSet>
#include <QString>

class QAction;
class QBoxLayout;
class QFormLayout;
class QToolButton;
class QVBoxLayout;
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

// A details panel made of the parts above, top to bottom in the order a subclass adds them: the
// placeholder, the title, the form of values, the column of action buttons. The texts come
// translated from the subclass, so they keep its translation context.
class Panel : public QWidget
{
public:
    Panel(const QString& objectName, const QString& accessibleName, QWidget* parent);

    // A button for `action` in the button column (in the order added).
    virtual void addAction(QAction* action);

protected:
    QLabel* addPlaceholder(const QString& text);
    QLabel* addTitle(const QString& objectName);
    // A form of (key, label) rows; each value is named `namePrefix` + key. The keys in `tokens` are
    // single long words (an email address), shown by an ElidingLabel.
    QFormLayout* addForm(const QList<QPair<QString, QString>>& rows, const QString& namePrefix,
                         const QSet<QString>& tokens = {});
    QVBoxLayout* addButtonColumn();
    // Shows either the placeholder (nothing selected) or the title and the values; the action
    // buttons follow `buttons`.
    void showSelection(bool one, bool buttons);
    void showSelection(bool one) { showSelection(one, one); }
    QLabel* value(const QString& key) const { return m_values.value(key); }
    // Sets a value's text (the full text of a token, which elides it).
    void setValue(const QString& key, const QString& text);

    QVBoxLayout* m_layout = nullptr;
    QLabel* m_placeholder = nullptr;
    QLabel* m_title = nullptr;
    QFormLayout* m_form = nullptr;
    QBoxLayout* m_buttons = nullptr;
    QList<QToolButton*> m_actionButtons;

private:
    QHash<QString, QLabel*> m_values;
    QSet<QString> m_tokens;
};

} // namespace portcullis::details
