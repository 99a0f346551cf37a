#include "fielderrors.h"

#include <QFormLayout>
#include <QVBoxLayout>

namespace portcullis {

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
    auto* error = new QLabel(box);
    error->setObjectName(key + QStringLiteral("Error"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    error->hide();
    layout->addWidget(error);
    form->addRow(label, box);
    if (auto* l = qobject_cast<QLabel*>(form->labelForField(box)))
        l->setBuddy(field);
    m_labels.insert(key, error);
    m_fields.insert(key, field);
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
        label->show();
        if (!first)
            first = m_fields.value(it.key());
    }
    if (first)
        first->setFocus();
    if (error.fieldErrors.isEmpty())
        return error.message;
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
    for (const auto& label : std::as_const(m_labels)) {
        if (label)
            label->hide();
    }
}

} // namespace portcullis
