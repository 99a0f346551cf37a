#include "dialogparts.h"

#include "keyboard.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace portcullis::dialogparts {

QLabel* errorMessage(QWidget* parent, const QString& objectName)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c0392b;"));
    label->hide();
    return label;
}

QDialogButtonBox* cancelAndAccept(QDialog* dialog, const QString& acceptText, const QString& acceptName,
                                  QPushButton** accept)
{
    auto* box = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
    QPushButton* button = box->addButton(acceptText, QDialogButtonBox::AcceptRole);
    button->setObjectName(acceptName);
    button->setDefault(true);
    QObject::connect(box, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    *accept = button;
    return box;
}

void setAcceptEnabled(QDialogButtonBox* buttons, bool enabled)
{
    for (QAbstractButton* b : buttons->buttons()) {
        if (buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
            b->setEnabled(enabled);
    }
}

void addMessageAndButtons(QVBoxLayout* layout, QLabel* message, QDialogButtonBox* buttons)
{
    layout->addWidget(message);
    layout->addWidget(buttons);
    keyboard::followVisualOrder(buttons);
}

} // namespace portcullis::dialogparts
