#pragma once

// The pieces the console's form dialogs are made of, so they look and behave alike: the red line
// under the form for errors that belong to no field, the Cancel and accept buttons (the accept
// button named, the default, and disabled while a request runs), and the column that ends with
// the message and the buttons in the Tab order they are shown in.
//
// The texts come translated from the dialog, so they keep its translation context.

#include <QDialog>
#include <QPushButton>
#include <QString>

class QDialogButtonBox;
class QLabel;
class QVBoxLayout;

namespace portcullis {

// A form dialog that asks before throwing typed input away: Escape, Cancel or the window's close
// button on a form whose inputs differ from what they held when it was shown ask "Discard changes?"
// (Discard / Keep editing). A form put back as it was closes without a question; a saved form
// closes through accept() and is never asked about.
class FormDialog : public QDialog
{
    Q_OBJECT

public:
    explicit FormDialog(QWidget* parent = nullptr);
    void reject() override;
    // Whether an input differs from what it held when the dialog was first shown.
    virtual bool hasChanges() const;

protected:
    void showEvent(QShowEvent* event) override;
    // `widget` (a filter, a search field) is no input of the form: typing in it is not a change.
    static void notInput(QWidget* widget);

private:
    QString inputState() const;

    QString m_shown; // inputState() when first shown
    bool m_remembered = false;
    bool m_asking = false;
};

} // namespace portcullis

namespace portcullis::dialogparts {

// Word-wrapped, in the error colour, hidden until a message is set and shown.
QLabel* errorMessage(QWidget* parent, const QString& objectName);

// Cancel (rejects `dialog`) and the accept button `acceptText`, named `acceptName` and the default
// button. The accept button does not close the dialog: connect its clicked() to the submit.
QDialogButtonBox* cancelAndAccept(QDialog* dialog, const QString& acceptText, const QString& acceptName,
                                  QPushButton** accept);
// The same, with `submit` connected to the accept button.
template <typename Dialog>
QDialogButtonBox* cancelAndAccept(Dialog* dialog, const QString& acceptText, const QString& acceptName,
                                  void (Dialog::*submit)(), QPushButton** accept = nullptr)
{
    QPushButton* button = nullptr;
    QDialogButtonBox* box = cancelAndAccept(dialog, acceptText, acceptName, &button);
    QObject::connect(button, &QAbstractButton::clicked, dialog, submit);
    if (accept)
        *accept = button;
    return box;
}

// Enables or disables the accept buttons of `buttons` (disabled while a request runs).
void setAcceptEnabled(QDialogButtonBox* buttons, bool enabled);

// Ends `layout` with the message line and the buttons, the buttons in the Tab order they are shown.
void addMessageAndButtons(QVBoxLayout* layout, QLabel* message, QDialogButtonBox* buttons);

} // namespace portcullis::dialogparts
