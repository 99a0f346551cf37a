#pragma once

// File > Import users…: a CSV file read off the GUI thread, every row classified by the backend
// before anything is written (a dry run), then the import with a progress bar and Cancel (stops
// between rows; what was created stays and is listed). The result can be saved as CSV; the
// one-time reset codes (or invitation tokens) are shown once in the table and can be exported to a
// file after a warning that the file holds secrets. The rules are the backend's
// (UserManager::importUsers); this dialog only shows them.

#include "backend.h"

#include <QDialog>
#include <QHash>

#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace portcullis {

class UserImportDialog : public QDialog
{
    Q_OBJECT

public:
    // `organizationId`: where rows without an organization go (0: the actor's own).
    UserImportDialog(Backend* backend, Id organizationId, QWidget* parent = nullptr);
    ~UserImportDialog() override;

    // Reads `path` (off the GUI thread) and previews it. Also what Choose file… does.
    void loadFile(const QString& path);
    // Classifies the loaded rows again (after changing the delivery).
    void preview();
    void startImport();
    void cancelImport();
    // Save the per-row result (without codes) / export the codes (after a warning) to a CSV file.
    void saveResults();
    void exportCodes();

    const ImportReport& report() const { return m_report; }
    // While importing: stops the import (the dialog stays open to show what happened).
    void reject() override;
    bool isBusy() const { return m_busy; }

signals:
    // The preview or the import finished (the table shows it).
    void previewShown();
    void importFinished();

private:
    void chooseFile();
    void setBusy(bool busy);
    void showReport();
    void showError(const QString& message);
    ImportRequest request(bool dryRun) const;
    void writeCsv(const QString& path, const QString& text, bool secret);

    Backend* m_backend;
    Id m_organizationId;
    QList<ImportRow> m_rows;
    ImportReport m_report;
    bool m_imported = false;
    bool m_busy = false;
    std::shared_ptr<std::atomic_bool> m_cancel;
    QHash<Id, QString> m_organizationNames;
    quint64 m_generation = 0; // drops answers for a file or preview that was replaced

    QLineEdit* m_path = nullptr;
    QComboBox* m_delivery = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_error = nullptr;
    QTableWidget* m_table = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_import = nullptr;
    QPushButton* m_cancelImport = nullptr;
    QPushButton* m_saveResults = nullptr;
    QPushButton* m_exportCodes = nullptr;
    QPushButton* m_close = nullptr;
};

} // namespace portcullis
