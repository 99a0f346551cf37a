#pragma once

// Message boxes and file dialogs behind one door, so GUI tests can preset the answer instead of
// fighting a modal dialog (KeePassXC's MessageBox/FileDialog).

#include <QMessageBox>
#include <QString>

namespace portcullis {

class MessageBox
{
public:
    static QMessageBox::StandardButton question(QWidget* parent, const QString& title, const QString& text,
                                                QMessageBox::StandardButtons buttons
                                                = QMessageBox::Yes | QMessageBox::No,
                                                QMessageBox::StandardButton defaultButton = QMessageBox::No);
    static void warning(QWidget* parent, const QString& title, const QString& text);
    static void information(QWidget* parent, const QString& title, const QString& text);

    // Tests: the next question() returns `answer` without showing anything; warning() and
    // information() are recorded instead of shown while a preset is active.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    static QString lastText();

private:
    static QMessageBox::StandardButton s_nextAnswer;
    static QString s_lastText;
};

class FileDialog
{
public:
    static QString getSaveFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter);
    // Tests: the next getSaveFileName() returns `path` without showing a dialog.
    static void setNextFileName(const QString& path);

private:
    static QString s_nextFileName;
};

} // namespace portcullis
