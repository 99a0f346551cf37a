#pragma once

// Edit > Preferences: the console's language ("System default" or one of the shipped ones), kept in
// QSettings under language::SettingKey. The choice applies at the next start; --lang overrides it.

#include <QDialog>

class QComboBox;
class QLabel;

namespace portcullis {

class PreferencesDialog : public QDialog
{
    Q_OBJECT

public:
    explicit PreferencesDialog(QWidget* parent = nullptr);

    // The code the dialog would save: "" for the system's language.
    QString chosenLanguage() const;

signals:
    // Emitted after a changed choice was saved.
    void languageSaved(const QString& code);

private:
    void save();

    QComboBox* m_language = nullptr;
    QLabel* m_note = nullptr;
    QString m_initial;
};

} // namespace portcullis
