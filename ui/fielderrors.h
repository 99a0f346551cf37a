#pragma once

// Inline field errors in forms: a label under each field shows the core's message for that field
// (ServiceError::fieldErrors, keyed by the REST contract's snake_case names).
//
// An error stays only as long as it is true: it goes away as soon as its field is edited. The line
// under each field keeps its space while hidden (one line at least, or the tallest message it showed),
// so showing or hiding an error never moves the other fields; a message longer than the space grows
// it, and the dialog with it, instead of squeezing the field or cutting the message.

#include "domain/result.h"

#include <QHash>
#include <QLabel>
#include <QPointer>

class QFormLayout;
class QWidget;

namespace portcullis {

class FieldErrors
{
public:
    // Adds `field` to `form` with a hidden error label under it; `key` is the field's contract name.
    // Editing `field` (or an input inside it, for a box of several) hides the label.
    void addRow(QFormLayout* form, const QString& label, QWidget* field, const QString& key);
    // `note` (such as the password policy line) says the same thing as an error of `key` in other
    // words: it is hidden while that error shows, so no message appears twice.
    void setNote(const QString& key, QWidget* note);
    // Shows the errors; returns the message of errors that belong to no field (empty if none).
    QString show(const ServiceError& error);
    // Shows the errors, and the message of those that belong to no field in `message` (which is
    // shown when there is such a message).
    void show(const ServiceError& error, QLabel* message);
    // Hides every error, or the error of `key`.
    void clear();
    void clear(const QString& key);
    QLabel* labelFor(const QString& key) const { return m_labels.value(key); }

private:
    void watch(QWidget* field, const QString& key);

    QHash<QString, QPointer<QLabel>> m_labels;
    QHash<QString, QPointer<QWidget>> m_fields;
    QHash<QString, QPointer<QWidget>> m_notes;
};

} // namespace portcullis
