#pragma once

// Message boxes and file dialogs behind one door, so GUI tests can preset the answer instead of
// fighting a modal dialog (KeePassXC's MessageBox/FileDialog).

#include <QCoreApplication>
#include <QMessageBox>
#include <QString>

#include <functional>

namespace portcullis {

class MessageBox
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::MessageBox)

public:
    // Asks a question without blocking (QMessageBox::open, no nested event loop). The buttons are
    // `action` (what happens, such as tr("&Revoke")) and Cancel, the default (Enter and Escape never
    // act): `onAccept` runs when the admin chooses the action, `onCancel` (if given) otherwise. Both
    // are bound to `parent`. The box is named "confirmBox", its action button "confirmActionButton".
    static void confirm(QWidget* parent, const QString& title, const QString& text, const QString& action,
                        std::function<void()> onAccept, std::function<void()> onCancel = {});
    // The same with a checkbox under the question (objectName "confirmOptionCheck"): `onAccept`
    // receives whether it was checked.
    static void confirmWithOption(QWidget* parent, const QString& title, const QString& text, const QString& option,
                                  bool optionChecked, const QString& action, std::function<void(bool)> onAccept);
    // "Discard changes?" for a form with typed input that is being closed: Discard (runs
    // `onDiscard`) or Keep editing (the default; runs `onKeep` if given).
    static void confirmDiscard(QWidget* parent, std::function<void()> onDiscard, std::function<void()> onKeep = {});
    // Non-blocking notices.
    static void warning(QWidget* parent, const QString& title, const QString& text);
    static void information(QWidget* parent, const QString& title, const QString& text);

    // Tests: the next confirm() (or confirmWithOption(), confirmDiscard()) is answered at once,
    // without showing anything: QMessageBox::Yes chooses the action (Discard), anything else cancels
    // (Keep editing). warning() and information() never consume it.
    static void setNextAnswer(QMessageBox::StandardButton answer);
    // Tests: the checkbox of the next confirmWithOption() answered through setNextAnswer() is taken
    // as `checked` (otherwise as its default).
    static void setNextOption(bool checked);
    static QString lastText();

private:
    static void ask(QWidget* parent, const QString& title, const QString& text, const QString& action,
                    const QString& cancel, std::function<void()> onAccept, std::function<void()> onCancel,
                    const QString& option = {}, bool optionChecked = false, std::function<void(bool)> onOption = {});

    static QMessageBox::StandardButton s_nextAnswer;
    static int s_nextOption; // -1 = the default, 0 = unchecked, 1 = checked
    static QString s_lastText;
};

class FileDialog
{
public:
    static QString getSaveFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter);
    static QString getOpenFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter);
    // Tests: the next getSaveFileName() or getOpenFileName() returns `path` without showing a dialog.
    static void setNextFileName(const QString& path);

private:
    static QString s_nextFileName;
};

} // namespace portcullis
