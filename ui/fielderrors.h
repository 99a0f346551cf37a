#pragma once

// Inline field errors in forms: a label under each field shows the core's message for that field
// (ServiceError::fieldErrors, keyed by the REST contract's snake_case names).

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
    void addRow(QFormLayout* form, const QString& label, QWidget* field, const QString& key);
    // Shows the errors; returns the message of errors that belong to no field (empty if none).
    QString show(const ServiceError& error);
    // Shows the errors, and the message of those that belong to no field in `message` (which is
    // shown when there is such a message).
    void show(const ServiceError& error, QLabel* message);
    void clear();
    QLabel* labelFor(const QString& key) const { return m_labels.value(key); }

private:
    QHash<QString, QPointer<QLabel>> m_labels;
    QHash<QString, QPointer<QWidget>> m_fields;
};

} // namespace portcullis
