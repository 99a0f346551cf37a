#include "fielderrors.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFormLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

namespace {

// The height `label` needs for its text at the width it has (or will have: before the dialog is
// laid out the field beside it tells).
int neededHeight(QLabel* label, const QWidget* field)
{
    const int width = std::max({ label->width(), field ? field->width() : 0, 200 });
    return std::max(label->heightForWidth(width), label->fontMetrics().lineSpacing());
}

} // namespace

void FieldErrors::addRow(QFormLayout* form, const QString& label, QWidget* field, const QString& key)
{
    // Created beside the field when the form is not on a widget yet: a box without a parent would
    // be a window of its own until the form is placed, and the field would then join the dialog's
    // Tab chain at its end (after the buttons) instead of where it was created.
    auto* box = new QWidget(form->parentWidget() ? form->parentWidget() : field->parentWidget());
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    // A one-line field keeps its height whatever the message under it needs.
    if (qobject_cast<QLineEdit*>(field) || qobject_cast<QComboBox*>(field) || qobject_cast<QAbstractSpinBox*>(field))
        field->setMinimumHeight(field->sizeHint().height());
    auto* error = new QLabel(box);
    error->setObjectName(key + QStringLiteral("Error"));
    error->setWordWrap(true);
    error->setTextFormat(Qt::PlainText);
    error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    // One line reserved from the start, so that the first error (most are one line) moves nothing.
    error->setText(QStringLiteral("X"));
    error->setMinimumHeight(std::max(error->heightForWidth(400), error->fontMetrics().lineSpacing()));
    error->clear();
    // The height is set here (neededHeight), not left to height-for-width: forms do not grow a
    // dialog for a word-wrapped line, and the next row would cover the end of the message.
    QSizePolicy policy = error->sizePolicy();
    policy.setHeightForWidth(false);
    policy.setRetainSizeWhenHidden(true);
    error->setSizePolicy(policy);
    error->hide();
    layout->addWidget(error);
    form->addRow(label, box);
    if (auto* l = qobject_cast<QLabel*>(form->labelForField(box)))
        l->setBuddy(field);
    m_labels.insert(key, error);
    m_fields.insert(key, field);
    watch(field, key);
}

// Every input in `field` (itself, or the inputs of a box) hides the error of `key` when changed.
void FieldErrors::watch(QWidget* field, const QString& key)
{
    QList<QWidget*> inputs { field };
    inputs += field->findChildren<QWidget*>();
    auto* context = field;
    auto hide = [this, key] { clear(key); };
    for (QWidget* w : std::as_const(inputs)) {
        if (auto* e = qobject_cast<QLineEdit*>(w))
            QObject::connect(e, &QLineEdit::textChanged, context, hide);
        else if (auto* t = qobject_cast<QPlainTextEdit*>(w))
            QObject::connect(t, &QPlainTextEdit::textChanged, context, hide);
        else if (auto* c = qobject_cast<QComboBox*>(w))
            QObject::connect(c, &QComboBox::currentIndexChanged, context, hide);
        else if (auto* s = qobject_cast<QSpinBox*>(w))
            QObject::connect(s, &QSpinBox::valueChanged, context, hide);
        else if (auto* d = qobject_cast<QDateTimeEdit*>(w))
            QObject::connect(d, &QDateTimeEdit::dateTimeChanged, context, hide);
        else if (auto* b = qobject_cast<QAbstractButton*>(w); b && b->isCheckable())
            QObject::connect(b, &QAbstractButton::toggled, context, hide);
        else if (auto* l = qobject_cast<QListWidget*>(w))
            QObject::connect(l, &QListWidget::itemChanged, context, hide);
    }
}

void FieldErrors::setNote(const QString& key, QWidget* note)
{
    QSizePolicy policy = note->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    note->setSizePolicy(policy);
    m_notes.insert(key, note);
}

QString FieldErrors::show(const ServiceError& error)
{
    clear();
    QStringList unplaced;
    QWidget* first = nullptr;
    for (auto it = error.fieldErrors.cbegin(); it != error.fieldErrors.cend(); ++it) {
        QLabel* label = m_labels.value(it.key());
        if (!label) {
            unplaced << it.value();
            continue;
        }
        label->setText(it.value());
        // The space only grows: hiding the message later leaves the fields where they are.
        label->setMinimumHeight(std::max(label->minimumHeight(), neededHeight(label, m_fields.value(it.key()))));
        label->show();
        // The form's cached size of the box around field and label is stale now: renew it, so the
        // dialog grows instead of the next row covering the end of the message.
        label->parentWidget()->updateGeometry();
        if (QWidget* note = m_notes.value(it.key()))
            note->hide();
        if (!first)
            first = m_fields.value(it.key());
    }
    if (first)
        first->setFocus();
    if (error.fieldErrors.isEmpty())
        return error.message;
    // The message of a refusal with field errors only sums them up: the fields say it already.
    return unplaced.join(QLatin1Char('\n'));
}

void FieldErrors::show(const ServiceError& error, QLabel* message)
{
    const QString rest = show(error);
    if (!rest.isEmpty()) {
        message->setText(rest);
        message->show();
    }
}

void FieldErrors::clear()
{
    for (auto it = m_labels.cbegin(); it != m_labels.cend(); ++it)
        clear(it.key());
}

void FieldErrors::clear(const QString& key)
{
    if (QLabel* label = m_labels.value(key); label && !label->isHidden())
        label->hide();
    if (QWidget* note = m_notes.value(key); note && note->isHidden())
        note->show();
}

} // namespace portcullis
