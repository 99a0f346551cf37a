#include "dialogparts.h"

#include "keyboard.h"
#include "messagebox.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QListWidget>
#include <QPlainTextEdit>

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScreen>
#include <QVBoxLayout>

namespace portcullis {

namespace {
const char* const kNotInput = "portcullisNotInput";
} // namespace

FormDialog::FormDialog(QWidget* parent)
    : QDialog(parent)
{ }

void FormDialog::notInput(QWidget* widget)
{
    widget->setProperty(kNotInput, true);
}

void FormDialog::showEvent(QShowEvent* event)
{
    // Taken when shown, not when built: what the caller fills in before opening it (an owner, a
    // copy's values) is the form's starting point, not the admin's change.
    if (!m_remembered) {
        m_remembered = true;
        m_shown = inputState();
    }
    QDialog::showEvent(event);
}

bool FormDialog::hasChanges() const
{
    return m_remembered && inputState() != m_shown;
}

void FormDialog::reject()
{
    if (m_asking)
        return;
    if (!hasChanges()) {
        QDialog::reject();
        return;
    }
    m_asking = true;
    MessageBox::confirmDiscard(
        this,
        [this] {
            m_asking = false;
            QDialog::reject();
        },
        [this] { m_asking = false; });
}

// The values of the dialog's own inputs (not those of a question box open over it), one per line.
QString FormDialog::inputState() const
{
    QStringList state;
    const QList<QWidget*> widgets = findChildren<QWidget*>();
    for (const QWidget* w : widgets) {
        if (w->window() != this || w->property(kNotInput).toBool())
            continue;
        // The editor inside a spin box or combo box is read through its owner.
        if (qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget()))
            continue;
        if (const auto* e = qobject_cast<const QLineEdit*>(w))
            state << e->text();
        else if (const auto* t = qobject_cast<const QPlainTextEdit*>(w))
            state << t->toPlainText();
        else if (const auto* c = qobject_cast<const QComboBox*>(w))
            state << c->currentText();
        else if (const auto* s = qobject_cast<const QAbstractSpinBox*>(w))
            state << s->text();
        else if (const auto* b = qobject_cast<const QAbstractButton*>(w); b && b->isCheckable())
            state << QString::number(int(b->isChecked()));
        else if (const auto* l = qobject_cast<const QListWidget*>(w)) {
            // The checked items: a list filled later (loaded from the backend) starts unchecked.
            QStringList checked;
            for (int i = 0; i < l->count(); ++i) {
                if (l->item(i)->checkState() != Qt::Unchecked)
                    checked << l->item(i)->text();
            }
            state << checked.join(QLatin1Char(','));
        }
    }
    return state.join(QLatin1Char('\n'));
}

} // namespace portcullis

namespace portcullis::dialogparts {

QLabel* errorMessage(QWidget* parent, const QString& objectName)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c0392b;"));
    // Hidden again, it keeps its space: the buttons do not jump back under the admin's pointer.
    QSizePolicy policy = label->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    label->setSizePolicy(policy);
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
// Grows its dialog when what it shows needs more height than the dialog has. A window's minimum
// height leaves word-wrapped text out (Qt counts one line for it): at the dialog's width an intro of
// three lines squeezed the fields under it, and a field error or message appearing in an open dialog
// squeezed the fields instead (the email field of the Invite dialog to a few pixels). Checked after
// each layout change, when shown and when resized (queued: the layout has settled by then); never
// shrinks the dialog, never past the screen.
class GrowToFit : public QObject
{
public:
    GrowToFit(QWidget* dialog, QLayout* layout)
        : QObject(dialog)
        , m_dialog(dialog)
        , m_layout(layout)
    {
        setObjectName(QStringLiteral("growToFit"));
        dialog->installEventFilter(this);
    }

    bool eventFilter(QObject* watched, QEvent* event) override
    {
        const auto type = event->type();
        if (watched == m_dialog && !m_pending
            && (type == QEvent::LayoutRequest || type == QEvent::Show || type == QEvent::Resize)) {
            m_pending = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_pending = false;
                    grow();
                },
                Qt::QueuedConnection);
        }
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
    bool m_pending = false;
};
} // namespace

void addMessageAndButtons(QVBoxLayout* layout, QLabel* message, QDialogButtonBox* buttons)
{
    layout->addWidget(message);
    layout->addWidget(buttons);
    keyboard::followVisualOrder(buttons);
    if (QWidget* dialog = layout->parentWidget(); dialog && dialog->isWindow()
        && !dialog->findChild<QObject*>(QStringLiteral("growToFit"), Qt::FindDirectChildrenOnly))
        new GrowToFit(dialog, layout);
}

} // namespace portcullis::dialogparts
