#include "messagebox.h"

#include <QCheckBox>
#include <QFileDialog>

namespace portcullis {

QMessageBox::StandardButton MessageBox::s_nextAnswer = QMessageBox::NoButton;
QString MessageBox::s_lastText;
int MessageBox::s_nextOption = -1;
QString FileDialog::s_nextFileName;

void MessageBox::confirm(QWidget* parent, const QString& title, const QString& text, std::function<void()> onYes,
                         std::function<void()> onNo)
{
    s_lastText = text;
    if (s_nextAnswer != QMessageBox::NoButton) {
        const auto answer = s_nextAnswer;
        s_nextAnswer = QMessageBox::NoButton;
        if (answer == QMessageBox::Yes)
            onYes();
        else if (onNo)
            onNo();
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::Yes | QMessageBox::No, parent);
    box->setObjectName(QStringLiteral("confirmBox"));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(box, &QMessageBox::finished, parent ? static_cast<QObject*>(parent) : box,
                     [box, onYes = std::move(onYes), onNo = std::move(onNo)](int) {
                         if (box->clickedButton() == box->button(QMessageBox::Yes))
                             onYes();
                         else if (onNo)
                             onNo();
                     });
    box->open();
}

void MessageBox::confirmWithOption(QWidget* parent, const QString& title, const QString& text, const QString& option,
                                   bool optionChecked, std::function<void(bool)> onYes)
{
    s_lastText = text;
    if (s_nextAnswer != QMessageBox::NoButton) {
        const auto answer = s_nextAnswer;
        const bool checked = s_nextOption < 0 ? optionChecked : s_nextOption == 1;
        s_nextAnswer = QMessageBox::NoButton;
        s_nextOption = -1;
        if (answer == QMessageBox::Yes)
            onYes(checked);
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::Yes | QMessageBox::No, parent);
    box->setObjectName(QStringLiteral("confirmBox"));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    auto* check = new QCheckBox(option, box);
    check->setObjectName(QStringLiteral("confirmOptionCheck"));
    check->setChecked(optionChecked);
    box->setCheckBox(check);
    QObject::connect(box, &QMessageBox::finished, parent ? static_cast<QObject*>(parent) : box,
                     [box, check, onYes = std::move(onYes)](int) {
                         if (box->clickedButton() == box->button(QMessageBox::Yes))
                             onYes(check->isChecked());
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

void FileDialog::setNextFileName(const QString& path)
{
    s_nextFileName = path;
}

} // namespace portcullis
