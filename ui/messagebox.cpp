#include "messagebox.h"

#include <QFileDialog>

namespace portcullis {

QMessageBox::StandardButton MessageBox::s_nextAnswer = QMessageBox::NoButton;
QString MessageBox::s_lastText;
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
