#include "dialogparts.h"

#include "keyboard.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
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

namespace {
// Grows its dialog when what it shows needs more height than the dialog has: a field error or the
// message line appearing in an open dialog is wrapped text, whose height a window's minimum size
// does not count, so the layout squeezed the fields instead (the email field of the Invite dialog
// to a few pixels). Never shrinks it, never past the screen.
class GrowToFit : public QObject
{
public:
    GrowToFit(QWidget* dialog, QLayout* layout)
        : QObject(dialog)
        , m_dialog(dialog)
        , m_layout(layout)
    {
        dialog->installEventFilter(this);
    }

    bool eventFilter(QObject* watched, QEvent* event) override
    {
        // After the layout has handled the request (it is queued behind it).
        if (watched == m_dialog && event->type() == QEvent::LayoutRequest && m_dialog->isVisible())
            QMetaObject::invokeMethod(this, &GrowToFit::grow, Qt::QueuedConnection);
        return false;
    }

private:
    void grow()
    {
        if (!m_dialog || !m_layout || !m_dialog->isVisible())
            return;
        int needed = m_layout->totalMinimumSize().height();
        if (m_layout->hasHeightForWidth())
            needed = std::max(needed, m_layout->totalHeightForWidth(m_dialog->width()));
        if (const QScreen* screen = m_dialog->screen())
            needed = std::min(needed, screen->availableGeometry().height());
        if (needed > m_dialog->height())
            m_dialog->resize(m_dialog->width(), needed);
    }

    QPointer<QWidget> m_dialog;
    QPointer<QLayout> m_layout;
};
} // namespace

void addMessageAndButtons(QVBoxLayout* layout, QLabel* message, QDialogButtonBox* buttons)
{
    layout->addWidget(message);
    layout->addWidget(buttons);
    keyboard::followVisualOrder(buttons);
    if (QWidget* dialog = layout->parentWidget(); dialog && dialog->isWindow())
        new GrowToFit(dialog, layout);
}

} // namespace portcullis::dialogparts
