#pragma once

// "Connect to Portcullis": saved connection profiles (QSettings; never a password), the kind of
// deployment (local SQLite file, PostgreSQL, REST server, better-auth server), the admin's email
// and password. The dialog stays open while the launcher connects, and shows the core's message
// when that fails.

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace portcullis {

class SecretStore;

struct ConnectionProfile
{
    QString name;
    QString kind; // "sqlite", "postgres", "rest", "betterauth"
    QString location;
    QString user;
    QString caFile; // servers only: a PEM file of certificates to trust besides the system's
};

class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectDialog(QWidget* parent = nullptr);

    ConnectionProfile profile() const;
    QString password() const;
    void setProfile(const ConnectionProfile& profile);
    void setBusy(bool busy, const QString& message = {});
    void showError(const QString& message);
    // Saves the current profile (if "remember" is ticked) as the most recent one, and the password
    // in the secret store when "Remember the password" is ticked (removes it otherwise).
    void rememberProfile();
    // Where remembered passwords live (the OS keychain in the product); not owned.
    void setSecretStore(SecretStore* store);

    static QList<ConnectionProfile> savedProfiles();

signals:
    void connectRequested();

private:
    void buildLocationFields();
    void buildCredentialFields();
    QFormLayout* buildForm();
    void buildButtons();
    void connectFields();
    void loadProfiles();
    void applyKind();
    void browse();
    void browseCaFile();
    void validate();
    void loadSavedSecret();
    void forgetSavedSecret();
    QString secretKey() const;

    QComboBox* m_profiles = nullptr;
    QComboBox* m_kind = nullptr;
    QLineEdit* m_location = nullptr;
    QPushButton* m_browse = nullptr;
    QLabel* m_caLabel = nullptr;
    QWidget* m_caRow = nullptr;
    QLineEdit* m_caFile = nullptr;
    QPushButton* m_browseCa = nullptr;
    QLineEdit* m_user = nullptr;
    QLineEdit* m_password = nullptr;
    QCheckBox* m_remember = nullptr;
    QCheckBox* m_rememberSecret = nullptr;
    QPushButton* m_forget = nullptr;
    QPointer<SecretStore> m_secrets;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_connect = nullptr;
};

} // namespace portcullis
