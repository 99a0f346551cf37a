#pragma once

// Keyboard helpers shared by the panes and dialogs, so that everything the mouse can do the
// keyboard can do too: context menus from the Menu key, a dialog's buttons in the Tab order they
// are shown in, Ctrl+Return to submit a form with a multi-line field, and mnemonics for menu
// entries made from data.

#include <QSet>
#include <QString>

class QAbstractButton;
class QAbstractItemView;
class QDialog;
class QDialogButtonBox;

namespace portcullis::keyboard {

// The Menu key and Shift+F10 in `view` request its custom context menu
// (customContextMenuRequested) at the current row, in viewport coordinates, as a right-click on
// that row does. Tabbing into the view while nothing is selected selects the current (or the
// first) row, so the details panel follows the keyboard.
void enableContextMenuKeys(QAbstractItemView* view);

// The buttons of `box` follow each other in the Tab chain in the order they are shown (the
// platform's button order), also after buttons are added later.
void followVisualOrder(QDialogButtonBox* box);

// Ctrl+Return (and Ctrl+Enter) anywhere in `dialog` clicks `button` when it is enabled: the way
// to submit from a multi-line field, where Return starts a new line.
void addSubmitShortcut(QDialog* dialog, QAbstractButton* button);

// `text` with a mnemonic ('&') on its first letter that is not in `used` yet (unchanged if it has
// one already or every letter is taken); the chosen letter is added to `used`.
QString withMnemonic(const QString& text, QSet<QChar>* used);

} // namespace portcullis::keyboard
