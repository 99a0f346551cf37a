#include "messagebox.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QPushButton>

namespace portcullis {

QMessageBox::StandardButton MessageBox::s_nextAnswer = QMessageBox::NoButton;
QString MessageBox::s_lastText;
int MessageBox::s_nextOption = -1;
QString FileDialog::s_nextFileName;

void MessageBox::confirm(QWidget* parent, const QString& title, const QString& text, const QString& action,
                         std::function<void()> onAccept, std::function<void()> onCancel)
{
    ask(parent, title, text, action, QString(), std::move(onAccept), std::move(onCancel));
}

void MessageBox::confirmWithOption(QWidget* parent, const QString& title, const QString& text, const QString& option,
                                   bool optionChecked, const QString& action, std::function<void(bool)> onAccept)
{
    ask(parent, title, text, action, QString(), {}, {}, option, optionChecked, std::move(onAccept));
}

void MessageBox::confirmDiscard(QWidget* parent, std::function<void()> onDiscard, std::function<void()> onKeep)
{
    ask(parent, tr("Discard changes?"), tr("What you typed in this form is not saved. Discard it, or keep editing?"),
        tr("&Discard"), tr("&Keep editing"), std::move(onDiscard), std::move(onKeep));
}

// One question with the action's button and a cancel button (named `cancel`, or the standard Cancel),
// the cancel button the default and the answer to Escape; with an optional checkbox.
void MessageBox::ask(QWidget* parent, const QString& title, const QString& text, const QString& action,
                     const QString& cancel, std::function<void()> onAccept, std::function<void()> onCancel,
                     const QString& option, bool optionChecked, std::function<void(bool)> onOption)
{
    s_lastText = text;
    if (s_nextAnswer != QMessageBox::NoButton) {
        const auto answer = s_nextAnswer;
        const bool checked = s_nextOption < 0 ? optionChecked : s_nextOption == 1;
        s_nextAnswer = QMessageBox::NoButton;
        s_nextOption = -1;
        if (answer == QMessageBox::Yes) {
            if (onOption)
                onOption(checked);
            else if (onAccept)
                onAccept();
        } else if (onCancel) {
            onCancel();
        }
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::NoButton, parent);
    box->setObjectName(QStringLiteral("confirmBox"));
    box->setTextFormat(Qt::PlainText); // names and emails in the text are never markup
    QPushButton* accept = box->addButton(action, QMessageBox::AcceptRole);
    accept->setObjectName(QStringLiteral("confirmActionButton"));
    QPushButton* keep
        = cancel.isEmpty() ? box->addButton(QMessageBox::Cancel) : box->addButton(cancel, QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("confirmCancelButton"));
    box->setDefaultButton(keep);
    box->setEscapeButton(keep);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QCheckBox* check = nullptr;
    if (onOption) {
        check = new QCheckBox(option, box);
        check->setObjectName(QStringLiteral("confirmOptionCheck"));
        check->setChecked(optionChecked);
        box->setCheckBox(check);
    }
    QObject::connect(box, &QMessageBox::finished, parent ? static_cast<QObject*>(parent) : box,
                     [box, accept, check, onAccept = std::move(onAccept), onCancel = std::move(onCancel),
                      onOption = std::move(onOption)](int) {
                         if (box->clickedButton() == accept) {
                             if (onOption)
                                 onOption(check && check->isChecked());
                             else if (onAccept)
                                 onAccept();
                         } else if (onCancel) {
                             onCancel();
                         }
                     });
    box->open();
}

namespace {
void notice(QWidget* parent, QMessageBox::Icon icon, const QString& title, const QString& text)
{
    auto* box = new QMessageBox(icon, title, text, QMessageBox::Ok, parent);
    box->setObjectName(QStringLiteral("noticeBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
} // namespace

void MessageBox::warning(QWidget* parent, const QString& title, const QString& text)
{
    s_lastText = text;
    notice(parent, QMessageBox::Warning, title, text);
}

void MessageBox::information(QWidget* parent, const QString& title, const QString& text)
{
    s_lastText = text;
    notice(parent, QMessageBox::Information, title, text);
}

void MessageBox::setNextAnswer(QMessageBox::StandardButton answer)
{
    s_nextAnswer = answer;
}

void MessageBox::setNextOption(bool checked)
{
    s_nextOption = checked ? 1 : 0;
}

QString MessageBox::lastText()
{
    return s_lastText;
}

QString FileDialog::getSaveFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter)
{
    if (!s_nextFileName.isEmpty()) {
        const QString path = s_nextFileName;
        s_nextFileName.clear();
        return path;
    }
    return QFileDialog::getSaveFileName(parent, caption, dir, filter);
}

QString FileDialog::getOpenFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter)
{
    if (!s_nextFileName.isEmpty()) {
        const QString path = s_nextFileName;
        s_nextFileName.clear();
        return path;
    }
    return QFileDialog::getOpenFileName(parent, caption, dir, filter);
}

void FileDialog::setNextFileName(const QString& path)
{
    s_nextFileName = path;
}

} // namespace portcullis
