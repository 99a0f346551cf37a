#include "connectdialog.h"

#include "backend.h"
#include "credentials/secretstore.h"
#include "dialogparts.h"
#include "keyboard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>
#include <QVBoxLayout>

namespace portcullis {

ConnectDialog::ConnectDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("connectDialog"));
    setWindowTitle(tr("Connect to Portcullis"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/portcullis.svg")));
    buildLocationFields();
    buildCredentialFields();
    QFormLayout* form = buildForm();
    buildButtons();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    connectFields();
    loadProfiles();
    applyKind();
    validate();
    setMinimumWidth(520);
}

// Where to connect: a saved connection, the kind, the database file or server, the server's CA.
void ConnectDialog::buildLocationFields()
{
    m_profiles = new QComboBox(this);
    m_profiles->setObjectName(QStringLiteral("profileCombo"));
    m_profiles->setAccessibleName(tr("Saved connection"));
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("kindCombo"));
    m_kind->setAccessibleName(tr("Kind of connection"));
    m_kind->addItem(tr("Local database file (SQLite)"), QStringLiteral("sqlite"));
    m_kind->addItem(tr("PostgreSQL server"), QStringLiteral("postgres"));
    m_kind->addItem(tr("Portcullis REST server"), QStringLiteral("rest"));
    m_kind->addItem(tr("better-auth server"), QStringLiteral("betterauth"));
    m_location = new QLineEdit(this);
    m_location->setObjectName(QStringLiteral("locationEdit"));
    m_location->setAccessibleName(tr("Location"));
    m_browse = new QPushButton(tr("&Browse…"), this);
    m_browse->setObjectName(QStringLiteral("browseButton"));
    m_caRow = new QWidget(this);
    m_caFile = new QLineEdit(m_caRow);
    m_caFile->setObjectName(QStringLiteral("caFileEdit"));
    m_caFile->setAccessibleName(tr("Trusted certificate authority file"));
    m_caFile->setPlaceholderText(tr("Optional: a PEM file, for a server with a private CA"));
    m_caFile->setToolTip(tr("Certificates in this PEM file are trusted for the server's TLS certificate, besides "
                            "the system's. Leave empty for a server with a publicly trusted certificate."));
    m_browseCa = new QPushButton(tr("B&rowse…"), m_caRow);
    m_browseCa->setObjectName(QStringLiteral("browseCaButton"));
    m_browseCa->setAccessibleName(tr("Browse for the certificate authority file"));
}

// Who signs in, and what is remembered of it.
void ConnectDialog::buildCredentialFields()
{
    m_user = new QLineEdit(this);
    m_user->setObjectName(QStringLiteral("userEdit"));
    m_user->setAccessibleName(tr("Email or username"));
    m_user->setPlaceholderText(tr("admin@example.com"));
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setAccessibleName(tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_remember = new QCheckBox(tr("Remember &this connection (never the password)"), this);
    m_remember->setObjectName(QStringLiteral("rememberCheck"));
    m_remember->setChecked(true);
    m_rememberSecret = new QCheckBox(tr("Re&member the password in the system keychain"), this);
    m_rememberSecret->setObjectName(QStringLiteral("rememberSecretCheck"));
    m_rememberSecret->setToolTip(tr("Kept by the operating system's keychain, never in Portcullis' settings"));
    m_forget = new QPushButton(tr("&Forget saved credentials"), this);
    m_forget->setObjectName(QStringLiteral("forgetCredentialsButton"));
    m_forget->setEnabled(false);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("connectMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QSizePolicy keepSpace = m_message->sizePolicy();
    keepSpace.setRetainSizeWhenHidden(true); // hidden again, the buttons stay where they are
    m_message->setSizePolicy(keepSpace);
    m_message->hide();
}

QFormLayout* ConnectDialog::buildForm()
{
    auto* locationRow = new QHBoxLayout;
    locationRow->addWidget(m_location, 1);
    locationRow->addWidget(m_browse);
    auto* caRow = new QHBoxLayout(m_caRow);
    caRow->setContentsMargins(0, 0, 0, 0);
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(m_browseCa);
    auto* form = new QFormLayout;
    form->addRow(tr("&Saved:"), m_profiles);
    form->addRow(tr("&Kind:"), m_kind);
    form->addRow(tr("&Location:"), locationRow);
    m_caLabel = new QLabel(tr("Trusted C&A:"), this);
    m_caLabel->setBuddy(m_caFile);
    form->addRow(m_caLabel, m_caRow);
    form->addRow(tr("&Email or username:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(QString(), m_remember);
    auto* secretRow = new QHBoxLayout;
    secretRow->addWidget(m_rememberSecret, 1);
    secretRow->addWidget(m_forget);
    form->addRow(QString(), secretRow);
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(locationRow)))
        label->setBuddy(m_location);
    return form;
}

void ConnectDialog::buildButtons()
{
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Connect"), QStringLiteral("connectButton"), &m_connect);
    connect(m_connect, &QPushButton::clicked, this, [this] {
        m_message->hide();
        emit connectRequested();
    });
}

void ConnectDialog::connectFields()
{
    connect(m_kind, &QComboBox::currentIndexChanged, this, &ConnectDialog::applyKind);
    connect(m_browse, &QPushButton::clicked, this, &ConnectDialog::browse);
    // A refusal ("wrong password") is about what was typed: it goes once the admin types again.
    for (QLineEdit* edit : { m_user, m_password }) {
        connect(edit, &QLineEdit::textEdited, m_message, &QWidget::hide);
    }
    connect(m_browseCa, &QPushButton::clicked, this, &ConnectDialog::browseCaFile);
    connect(m_forget, &QPushButton::clicked, this, &ConnectDialog::forgetSavedSecret);
    connect(m_user, &QLineEdit::editingFinished, this, &ConnectDialog::loadSavedSecret);
    connect(m_location, &QLineEdit::editingFinished, this, &ConnectDialog::loadSavedSecret);
    connect(m_location, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_user, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_password, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_profiles, &QComboBox::activated, this, [this](int index) {
        const auto profiles = savedProfiles();
        if (index > 0 && index - 1 < profiles.size())
            setProfile(profiles.at(index - 1));
    });
}

QList<ConnectionProfile> ConnectDialog::savedProfiles()
{
    QSettings settings;
    QList<ConnectionProfile> profiles;
    const int count = settings.beginReadArray(QStringLiteral("profiles"));
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        profiles << ConnectionProfile { settings.value(QStringLiteral("name")).toString(),
                                        settings.value(QStringLiteral("kind")).toString(),
                                        settings.value(QStringLiteral("location")).toString(),
                                        settings.value(QStringLiteral("user")).toString(),
                                        settings.value(QStringLiteral("caFile")).toString() };
    }
    settings.endArray();
    return profiles;
}

void ConnectDialog::loadProfiles()
{
    m_profiles->clear();
    m_profiles->addItem(tr("New connection"));
    const auto profiles = savedProfiles();
    for (const ConnectionProfile& p : profiles)
        m_profiles->addItem(p.name);
    if (!profiles.isEmpty()) {
        m_profiles->setCurrentIndex(1);
        setProfile(profiles.first());
    } else {
        const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        m_location->setText(folder + QStringLiteral("/portcullis.db"));
    }
}

void ConnectDialog::rememberProfile()
{
    if (m_secrets && !profile().user.isEmpty()) {
        if (m_rememberSecret->isChecked())
            m_secrets->write(secretKey(), m_password->text());
        else
            m_secrets->remove(secretKey());
    }
    if (!m_remember->isChecked())
        return;
    ConnectionProfile current = profile();
    // Nothing secret in QSettings: a PostgreSQL URL is remembered without its password.
    if (current.kind == QLatin1String("postgres")) {
        const QUrl url(current.location);
        if (url.isValid() && !url.password().isEmpty()) {
            current.location = url.toString(QUrl::RemovePassword);
            current.name
                = current.user.isEmpty() ? current.location : current.user + QStringLiteral(" — ") + current.location;
        }
    }
    QList<ConnectionProfile> profiles = savedProfiles();
    profiles.erase(std::remove_if(profiles.begin(), profiles.end(),
                                  [&](const ConnectionProfile& p) {
                                      return p.kind == current.kind && p.location == current.location;
                                  }),
                   profiles.end());
    profiles.prepend(current);
    while (profiles.size() > 10)
        profiles.removeLast();
    QSettings settings;
    settings.beginWriteArray(QStringLiteral("profiles"), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("name"), profiles.at(i).name);
        settings.setValue(QStringLiteral("kind"), profiles.at(i).kind);
        settings.setValue(QStringLiteral("location"), profiles.at(i).location);
        settings.setValue(QStringLiteral("user"), profiles.at(i).user);
        if (profiles.at(i).caFile.isEmpty())
            settings.remove(QStringLiteral("caFile"));
        else
            settings.setValue(QStringLiteral("caFile"), profiles.at(i).caFile);
    }
    settings.endArray();
}

ConnectionProfile ConnectDialog::profile() const
{
    ConnectionProfile p;
    p.kind = m_kind->currentData().toString();
    p.location = m_location->text().trimmed();
    p.user = m_user->text().trimmed();
    if (p.kind == QLatin1String("rest") || p.kind == QLatin1String("betterauth"))
        p.caFile = m_caFile->text().trimmed();
    p.name = p.user.isEmpty() ? p.location : p.user + QStringLiteral(" — ") + p.location;
    return p;
}

QString ConnectDialog::password() const
{
    return m_password->text();
}

void ConnectDialog::setSecretStore(SecretStore* store)
{
    m_secrets = store;
    loadSavedSecret();
}

QString ConnectDialog::secretKey() const
{
    const ConnectionProfile p = profile();
    return SecretStore::keyFor(p.kind, p.location, p.user);
}

void ConnectDialog::loadSavedSecret()
{
    m_forget->setEnabled(false);
    if (!m_secrets || profile().user.isEmpty() || profile().location.isEmpty())
        return;
    const QString key = secretKey();
    whenDone(m_secrets->read(key), this, [this, key](const Result<QString>& secret) {
        if (!secret.ok() || secret.value().isEmpty() || key != secretKey())
            return;
        m_password->setText(secret.value());
        m_rememberSecret->setChecked(true);
        m_forget->setEnabled(true);
        validate();
    });
}

void ConnectDialog::forgetSavedSecret()
{
    if (!m_secrets)
        return;
    whenDone(m_secrets->remove(secretKey()), this, [this](const Status& removed) {
        if (!removed.ok()) {
            showError(removed.error().message);
            return;
        }
        m_password->clear();
        m_rememberSecret->setChecked(false);
        m_forget->setEnabled(false);
        m_message->setText(tr("Forgot the saved password of %1").arg(profile().user));
        m_message->setStyleSheet(QString());
        m_message->show();
    });
}

void ConnectDialog::setProfile(const ConnectionProfile& profile)
{
    const int kind = m_kind->findData(profile.kind);
    m_kind->setCurrentIndex(kind < 0 ? 0 : kind);
    m_location->setText(profile.location);
    m_user->setText(profile.user);
    m_caFile->setText(profile.caFile);
    m_password->clear();
    (profile.user.isEmpty() ? m_user : m_password)->setFocus();
    loadSavedSecret();
}

void ConnectDialog::setBusy(bool busy, const QString& message)
{
    for (QWidget* w :
         { static_cast<QWidget*>(m_profiles), static_cast<QWidget*>(m_kind), static_cast<QWidget*>(m_location),
           static_cast<QWidget*>(m_browse), static_cast<QWidget*>(m_caRow), static_cast<QWidget*>(m_user),
           static_cast<QWidget*>(m_password), static_cast<QWidget*>(m_connect) })
        w->setEnabled(!busy);
    if (busy) {
        m_message->setText(message.isEmpty() ? tr("Connecting…") : message);
        m_message->setStyleSheet(QString());
        m_message->show();
    } else {
        applyKind();
        validate();
    }
}

void ConnectDialog::showError(const QString& message)
{
    setBusy(false);
    m_message->setText(message);
    m_message->setStyleSheet(
        QStringLiteral("color: palette(highlighted-text); background: #b03020; padding: 6px; border-radius: 3px;"));
    m_message->show();
    m_password->selectAll();
    m_password->setFocus();
}

void ConnectDialog::applyKind()
{
    const QString kind = m_kind->currentData().toString();
    m_browse->setVisible(kind == QLatin1String("sqlite"));
    const bool server = kind == QLatin1String("rest") || kind == QLatin1String("betterauth");
    m_caLabel->setVisible(server);
    m_caRow->setVisible(server);
    if (kind == QLatin1String("sqlite")) {
        m_location->setPlaceholderText(tr("/path/to/portcullis.db"));
        m_location->setToolTip(tr("A SQLite database file. A file that does not exist yet can be created."));
    } else if (kind == QLatin1String("postgres")) {
        m_location->setPlaceholderText(tr("postgresql://user:password@host:5432/database"));
        m_location->setToolTip(tr("A PostgreSQL database initialised with portcullis-server init"));
    } else if (kind == QLatin1String("betterauth")) {
        // better-auth answers under its base path; the admin signs in with email and password.
        m_location->setPlaceholderText(tr("https://app.example.com/api/auth"));
        m_location->setToolTip(tr("The base path of a better-auth server with the admin plugin (where /ok answers)"));
    } else {
        m_location->setPlaceholderText(tr("https://iam.example.com"));
        m_location->setToolTip(tr("The address of a portcullis-server"));
    }
    // better-auth users have no username: they sign in with their email.
    m_user->setAccessibleName(kind == QLatin1String("betterauth") ? tr("Email") : tr("Email or username"));
}

void ConnectDialog::browse()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Database file"), m_location->text(),
                                                      tr("SQLite databases (*.db *.sqlite);;All files (*)"), nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_location->setText(path);
}

void ConnectDialog::browseCaFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Trusted certificate authority"), m_caFile->text(),
                                                      tr("PEM certificates (*.pem *.crt);;All files (*)"));
    if (!path.isEmpty())
        m_caFile->setText(path);
}

void ConnectDialog::validate()
{
    const bool complete = !m_location->text().trimmed().isEmpty() && !m_user->text().trimmed().isEmpty()
        && !m_password->text().isEmpty();
    m_connect->setEnabled(complete);
}

} // namespace portcullis
