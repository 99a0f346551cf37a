#pragma once

// Message boxes and file dialogs behind one door, so GUI tests can preset the answer instead of
// fighting a modal dialog (KeePassXC's MessageBox/FileDialog).

#include <QMessageBox>
#include <QString>

#include <functional>

namespace portcullis {

class MessageBox
{
public:
    // Asks a Yes/No question without blocking (QMessageBox::open, no nested event loop): `onYes`
    // runs when the admin answers Yes, `onNo` (if given) otherwise. Both are bound to `parent`.
    static void confirm(QWidget* parent, const QString& title, const QString& text, std::function<void()> onYes,
                        std::function<void()> onNo = {});
    // The same with a checkbox under the question (objectName "confirmOptionCheck"): `onYes`
    // receives whether it was checked.
    static void confirmWithOption(QWidget* parent, const QString& title, const QString& text, const QString& option,
                                  bool optionChecked, std::function<void(bool)> onYes);
    // Non-blocking notices.
    static void warning(QWidget* parent, const QString& title, const QString& text);
    static void information(QWidget* parent, const QString& title, const QString& text);

    // Tests: the next confirm() is answered with `answer` at once, without showing anything.
    // warning() and information() never consume it.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    // Tests: the checkbox of the next confirmWithOption() answered through setNextAnswer() is taken
    // as `checked` (otherwise as its default).
    static void setNextOption(bool checked);
    static QString lastText();

private:
    static QMessageBox::StandardButton s_nextAnswer;
    static int s_nextOption; // -1 = the default, 0 = unchecked, 1 = checked
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
