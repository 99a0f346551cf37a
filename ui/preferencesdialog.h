#pragma once

// Edit > Preferences: the console's language ("System default" or one of the shipped ones), kept in
// QSettings under language::SettingKey. The choice applies at the next start; --lang overrides it.
// And how times are written (the locale's date with a four-digit year, or ISO 8601) and in which
// zone (local time or UTC), kept in QSettings too (display::savePreferences()): these apply at once
// to every pane when the dialog is accepted.

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

    void updateSample();

    QComboBox* m_language = nullptr;
    QLabel* m_note = nullptr;
    QComboBox* m_dateStyle = nullptr;
    QComboBox* m_timeZone = nullptr;
    QLabel* m_sample = nullptr;
    QString m_initial;
};

} // namespace portcullis
