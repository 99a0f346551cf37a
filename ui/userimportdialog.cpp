#include "userimportdialog.h"

#include "dialogparts.h"
#include "messagebox.h"

#include <QBrush>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace portcullis {

namespace {

enum Column
{
    RowColumn,
    EmailColumn,
    UsernameColumn,
    OrganizationColumn,
    ResultColumn,
    ReasonColumn,
    CodeColumn,
    ColumnCount
};

QString outcomeText(const ImportRowResult& row, bool dryRun)
{
    switch (row.outcome) {
    case ImportOutcome::WillCreate:
        return UserImportDialog::tr("Will be created");
    case ImportOutcome::Created:
        return row.invitationId ? UserImportDialog::tr("Invited") : UserImportDialog::tr("Created");
    case ImportOutcome::Exists:
        return dryRun ? UserImportDialog::tr("Exists, will be skipped") : UserImportDialog::tr("Exists, skipped");
    case ImportOutcome::Error:
        return UserImportDialog::tr("Error");
    case ImportOutcome::NotRun:
        return UserImportDialog::tr("Not imported");
    }
    return {};
}

} // namespace

UserImportDialog::UserImportDialog(Backend* backend, Id organizationId, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_organizationId(organizationId)
{
    setObjectName(QStringLiteral("userImportDialog"));
    setWindowTitle(tr("Import Users"));
    auto* layout = new QVBoxLayout(this);

    auto* intro = new QLabel(tr("A CSV file with a header row: email, username, full name, roles, organization. "
                                "Nothing is written until you press Import; passwords are never in the file."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    auto* fileRow = new QHBoxLayout;
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("importFileEdit"));
    m_path->setReadOnly(true);
    m_path->setPlaceholderText(tr("No file chosen"));
    auto* choose = new QPushButton(tr("C&hoose File…"), this);
    choose->setObjectName(QStringLiteral("importChooseButton"));
    connect(choose, &QPushButton::clicked, this, &UserImportDialog::chooseFile);
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(choose);
    form->addRow(tr("File:"), fileRow);
    m_delivery = new QComboBox(this);
    m_delivery->setObjectName(QStringLiteral("importDeliveryCombo"));
    m_delivery->addItem(tr("Create the users, each with a one-time reset code"), int(ImportDelivery::ResetCode));
    m_delivery->addItem(tr("Send invitations instead (one role per row)"), int(ImportDelivery::Invitation));
    connect(m_delivery, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_rows.isEmpty() && !m_imported)
            preview();
    });
    form->addRow(tr("New &accounts:"), m_delivery);
    layout->addLayout(form);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("importSummaryLabel"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_error = dialogparts::errorMessage(this, QStringLiteral("importErrorLabel"));
    layout->addWidget(m_error);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("importPreviewTable"));
    m_table->setHorizontalHeaderLabels({ tr("Row"), tr("Email"), tr("Username"), tr("Organization"), tr("Result"),
                                         tr("Reason"), tr("One-time code") });
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnHidden(CodeColumn, true);
    m_table->setMinimumSize(760, 200); // five rows; the wrapped intro and summary need the rest on 800×600
    layout->addWidget(m_table, 1);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("importProgressBar"));
    m_progress->hide();
    layout->addWidget(m_progress);

    auto* buttons = new QDialogButtonBox(this);
    m_saveResults = buttons->addButton(tr("&Save Results…"), QDialogButtonBox::ActionRole);
    m_saveResults->setObjectName(QStringLiteral("importSaveResultsButton"));
    m_exportCodes = buttons->addButton(tr("&Export Codes…"), QDialogButtonBox::ActionRole);
    m_exportCodes->setObjectName(QStringLiteral("importExportCodesButton"));
    m_cancelImport = buttons->addButton(tr("Stop &Import"), QDialogButtonBox::ActionRole);
    m_cancelImport->setObjectName(QStringLiteral("importCancelButton"));
    m_import = buttons->addButton(tr("&Import"), QDialogButtonBox::AcceptRole);
    m_import->setObjectName(QStringLiteral("importButton"));
    m_close = buttons->addButton(QDialogButtonBox::Close);
    m_close->setObjectName(QStringLiteral("importCloseButton"));
    connect(m_saveResults, &QPushButton::clicked, this, &UserImportDialog::saveResults);
    connect(m_exportCodes, &QPushButton::clicked, this, &UserImportDialog::exportCodes);
    connect(m_cancelImport, &QPushButton::clicked, this, &UserImportDialog::cancelImport);
    connect(m_import, &QPushButton::clicked, this, &UserImportDialog::startImport);
    connect(m_close, &QPushButton::clicked, this, &UserImportDialog::reject);
    layout->addWidget(buttons);
    m_import->setDefault(true);
    setBusy(false);
    resize(900, 520);
    // The organizations' names for the table (the rows carry ids).
    whenDone(m_backend->listOrganizations(), this, [this](const Result<QList<Organization>>& organizations) {
        if (!organizations)
            return;
        for (const Organization& organization : *organizations)
            m_organizationNames.insert(organization.id, organization.name);
        if (!m_report.rows.isEmpty())
            showReport();
    });
}

UserImportDialog::~UserImportDialog()
{
    // An import still running stops at its next row; what it created is audited.
    if (m_cancel)
        m_cancel->store(true);
}

void UserImportDialog::reject()
{
    if (m_busy && m_cancel) {
        cancelImport();
        return;
    }
    QDialog::reject();
}

void UserImportDialog::chooseFile()
{
    const QString path = FileDialog::getOpenFileName(this, tr("Import Users"), m_path->text(),
                                                     tr("CSV files (*.csv *.txt);;All files (*)"));
    if (!path.isEmpty())
        loadFile(path);
}

void UserImportDialog::loadFile(const QString& path)
{
    m_path->setText(QDir::toNativeSeparators(path));
    m_rows.clear();
    m_report = {};
    m_imported = false;
    m_table->setRowCount(0);
    m_error->hide();
    const quint64 generation = ++m_generation;
    setProperty("loading", true);
    setBusy(true);
    m_summary->setText(tr("Reading the file…"));
    const QPointer<UserImportDialog> self(this);
    // Reading and parsing a large file would freeze the window: a worker does it.
    QtConcurrent::run([path]() -> Result<userimport::Parsed> {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return ServiceError::storage(
                tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        if (file.size() > userimport::MaxFileBytes)
            return userimport::parseCsv(QByteArray(int(userimport::MaxFileBytes) + 1, ' '));
        return userimport::parseCsv(file.readAll());
    }).then(this, [this, generation](const Result<userimport::Parsed>& parsed) {
        if (generation != m_generation)
            return;
        setBusy(false);
        if (!parsed) {
            setProperty("loading", false);
            m_summary->clear();
            showError(parsed.error().message);
            return;
        }
        m_rows = parsed->rows;
        if (m_rows.isEmpty()) {
            setProperty("loading", false);
            m_summary->setText(tr("The file has a header but no rows."));
            return;
        }
        preview();
    });
}

ImportRequest UserImportDialog::request(bool dryRun) const
{
    ImportRequest r;
    r.rows = m_rows;
    r.dryRun = dryRun;
    r.delivery = ImportDelivery(m_delivery->currentData().toInt());
    r.organizationId = m_organizationId;
    return r;
}

void UserImportDialog::preview()
{
    const quint64 generation = ++m_generation;
    setProperty("loading", true);
    setBusy(true);
    m_error->hide();
    m_summary->setText(tr("Checking %n row(s)…", nullptr, int(m_rows.size())));
    whenDone(m_backend->importUsers(request(true), {}, {}), this, [this, generation](const Result<ImportReport>& r) {
        if (generation != m_generation)
            return;
        setProperty("loading", false);
        if (!r) {
            setBusy(false);
            m_summary->clear();
            showError(r.error().message);
            return;
        }
        m_report = *r;
        setBusy(false);
        showReport();
        emit previewShown();
    });
}

void UserImportDialog::startImport()
{
    if (m_busy || m_imported || m_report.count(ImportOutcome::WillCreate) == 0)
        return;
    const int count = m_report.count(ImportOutcome::WillCreate);
    const bool invitations = ImportDelivery(m_delivery->currentData().toInt()) == ImportDelivery::Invitation;
    const QString question = invitations
        ? tr("Send %n invitation(s)? Rows with errors or existing users are skipped.", nullptr, count)
        : tr("Create %n user(s)? Rows with errors or existing users are skipped.", nullptr, count);
    MessageBox::confirm(this, tr("Import Users"), question, invitations ? tr("Send Invitations") : tr("Create Users"),
                        [this] {
                            const quint64 generation = ++m_generation;
                            m_cancel = std::make_shared<std::atomic_bool>(false);
                            setBusy(true);
                            m_progress->setRange(0, int(m_rows.size()));
                            m_progress->setValue(0);
                            m_progress->show();
                            m_summary->setText(tr("Importing…"));
                            const QPointer<QProgressBar> bar(m_progress);
                            auto progress = [bar](int done, int total) {
                                // From a worker thread: the bar is updated on its own.
                                QMetaObject::invokeMethod(
                                    bar,
                                    [bar, done, total] {
                                        if (bar) {
                                            bar->setRange(0, total);
                                            bar->setValue(done);
                                        }
                                    },
                                    Qt::QueuedConnection);
                            };
                            whenDone(m_backend->importUsers(request(false), progress, m_cancel), this,
                                     [this, generation](const Result<ImportReport>& r) {
                                         if (generation != m_generation)
                                             return;
                                         m_cancel.reset();
                                         m_progress->hide();
                                         if (!r) {
                                             setBusy(false);
                                             showError(r.error().message);
                                             return;
                                         }
                                         m_report = *r;
                                         m_imported = true;
                                         setBusy(false);
                                         showReport();
                                         emit importFinished();
                                     });
                        });
}

void UserImportDialog::cancelImport()
{
    if (m_cancel) {
        m_cancel->store(true);
        m_summary->setText(tr("Stopping after the current row…"));
        m_cancelImport->setEnabled(false);
    }
}

void UserImportDialog::setBusy(bool busy)
{
    m_busy = busy;
    const bool importing = busy && m_cancel;
    m_import->setEnabled(!busy && !m_imported && m_report.count(ImportOutcome::WillCreate) > 0);
    m_import->setVisible(!m_imported);
    m_cancelImport->setVisible(importing);
    m_cancelImport->setEnabled(importing);
    m_saveResults->setEnabled(!busy && !m_report.rows.isEmpty());
    m_exportCodes->setVisible(m_imported);
    m_exportCodes->setEnabled(!busy && m_imported && m_report.count(ImportOutcome::Created) > 0);
    m_delivery->setEnabled(!busy && !m_imported);
    m_close->setEnabled(!importing);
}

void UserImportDialog::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

void UserImportDialog::showReport()
{
    const bool dryRun = m_report.dryRun;
    m_table->setUpdatesEnabled(false);
    m_table->setRowCount(int(m_report.rows.size()));
    const QBrush errorBrush(palette().color(QPalette::Active, QPalette::Text).lightness() > 128 ? QColor(255, 140, 140)
                                                                                                : QColor(170, 20, 20));
    for (int i = 0; i < m_report.rows.size(); ++i) {
        const ImportRowResult& row = m_report.rows.at(i);
        const QStringList cells { QString::number(row.row),
                                  row.email,
                                  row.username,
                                  row.organizationId ? m_organizationNames.value(row.organizationId,
                                                                                 QString::number(row.organizationId))
                                                     : QString(),
                                  outcomeText(row, dryRun),
                                  row.message,
                                  row.code };
        for (int c = 0; c < ColumnCount; ++c) {
            auto* item = new QTableWidgetItem(cells.at(c));
            if (row.outcome == ImportOutcome::Error && (c == ResultColumn || c == ReasonColumn))
                item->setForeground(errorBrush);
            if (c == ResultColumn)
                item->setData(Qt::UserRole, userimport::outcomeName(row.outcome));
            m_table->setItem(i, c, item);
        }
    }
    m_table->setColumnHidden(CodeColumn, !m_imported);
    m_table->resizeColumnsToContents();
    m_table->setUpdatesEnabled(true);

    const int errors = m_report.count(ImportOutcome::Error);
    const int exists = m_report.count(ImportOutcome::Exists);
    if (dryRun) {
        m_summary->setText(tr("%1 row(s): %2 will be created, %3 already exist and will be skipped, %4 with errors. "
                              "Nothing has been written yet.")
                               .arg(m_report.rows.size())
                               .arg(m_report.count(ImportOutcome::WillCreate))
                               .arg(exists)
                               .arg(errors));
    } else {
        QString text = tr("%1 created, %2 skipped (already exist), %3 with errors.")
                           .arg(m_report.count(ImportOutcome::Created))
                           .arg(exists)
                           .arg(errors);
        if (m_report.cancelled)
            text += QLatin1Char(' ')
                + tr("Stopped: %n row(s) not imported.", nullptr, m_report.count(ImportOutcome::NotRun));
        if (m_report.count(ImportOutcome::Created) > 0)
            text += QLatin1Char(' ')
                + tr("The one-time codes are shown only now: export them or copy them before you close this dialog.");
        m_summary->setText(text);
    }
}

void UserImportDialog::writeCsv(const QString& path, const QString& text, bool secret)
{
    QSaveFile file(path);
    // The codes file is readable by its owner only, from its first byte.
    const bool opened = file.open(QIODevice::WriteOnly)
        && (!secret || file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    if (!opened || file.write(text.toUtf8()) < 0 || !file.commit()) {
        showError(tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return;
    }
    m_error->hide();
    m_summary->setText(m_summary->text() + QLatin1Char(' ') + tr("Saved to %1.").arg(QDir::toNativeSeparators(path)));
}

void UserImportDialog::saveResults()
{
    if (m_report.rows.isEmpty())
        return;
    const QString path = FileDialog::getSaveFileName(this, tr("Save Import Results"),
                                                     QStringLiteral("import-results.csv"), tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        writeCsv(path, userimport::resultsToCsv(m_report, false), false);
}

void UserImportDialog::exportCodes()
{
    if (m_report.count(ImportOutcome::Created) == 0)
        return;
    MessageBox::confirm(this, tr("Export One-Time Codes"),
                        tr("The file will hold a one-time code for every new account: whoever reads it can set "
                           "those passwords. Keep it where only you can read it, hand the codes out, and delete "
                           "the file."),
                        tr("Export Codes"), [this] {
                            const QString path = FileDialog::getSaveFileName(this, tr("Export One-Time Codes"),
                                                                             QStringLiteral("import-codes.csv"),
                                                                             tr("CSV files (*.csv)"));
                            if (!path.isEmpty())
                                writeCsv(path, userimport::resultsToCsv(m_report, true), true);
                        });
}

} // namespace portcullis
