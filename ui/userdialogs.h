#pragma once

// Dialogs of the Users pane. Each submits to the backend itself and stays open with the core's
// field errors when the request is refused; it closes only when the change is saved.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTableWidget;
class QVBoxLayout;

namespace portcullis {

class UserDialog : public FormDialog
{
    Q_OBJECT

public:
    // Create (user == nullptr) or edit.
    UserDialog(Backend* backend, const User* user, const QList<Organization>& organizations, const QList<Role>& roles,
               Id defaultOrganization, QWidget* parent = nullptr);
    User savedUser() const { return m_saved; }

private:
    void submit();
    void updatePolicy();

    QPointer<Backend> m_backend;
    bool m_editing = false;
    User m_original;
    User m_saved;
    FieldErrors m_errors;
    QLineEdit* m_email = nullptr;
    QLineEdit* m_username = nullptr;
    QLineEdit* m_fullName = nullptr;
    QComboBox* m_organization = nullptr;
    QListWidget* m_roles = nullptr;
    QLineEdit* m_roleNames = nullptr; // instead of m_roles without a role catalog
    QLineEdit* m_password = nullptr;
    QLabel* m_policy = nullptr;
    QCheckBox* m_verified = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

class BanDialog : public QDialog
{
    Q_OBJECT

public:
    // One user: the dialog bans them and stays open on a refusal. Several users: the dialog only
    // collects the reason and expiry (reason()/expiresAt()) for a BulkActionDialog.
    BanDialog(Backend* backend, const QList<User>& users, QWidget* parent = nullptr);
    User bannedUser() const { return m_saved; }
    QString reason() const;
    QDateTime expiresAt() const;

private:
    void submit();

    QPointer<Backend> m_backend;
    QList<User> m_users;
    User m_saved;
    FieldErrors m_errors;
    QPlainTextEdit* m_reason = nullptr;
    QCheckBox* m_expires = nullptr;
    QDateTimeEdit* m_expiresAt = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

// Sets a user's password (the admin types it twice; the policy is shown as they type). Every
// session of the user ends; the dialog stays open with the core's message on a refusal.
class SetPasswordDialog : public QDialog
{
    Q_OBJECT

public:
    SetPasswordDialog(Backend* backend, const User& user, QWidget* parent = nullptr);

private:
    void updatePolicy();
    void submit();

    QPointer<Backend> m_backend;
    User m_user;
    bool m_self = false; // the signed-in user's own password: the current one is asked for
    FieldErrors m_errors;
    QLineEdit* m_current = nullptr; // only for one's own password
    QLineEdit* m_password = nullptr;
    QLineEdit* m_repeat = nullptr;
    QCheckBox* m_revokeApiKeys = nullptr;
    QLabel* m_policy = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_set = nullptr;
};

// Assign and revoke roles. Roles the admin may not give are disabled with the reason.
class UserRolesDialog : public QDialog
{
    Q_OBJECT

public:
    UserRolesDialog(Backend* backend, const User& user, const QList<Role>& roles, QWidget* parent = nullptr);

private:
    void submit();

    QPointer<Backend> m_backend;
    User m_user;
    QListWidget* m_list = nullptr;
    QLineEdit* m_names = nullptr; // instead of m_list without a role catalog
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

// Why the actor may not give (or take) `role`, or an empty string if it may: the policy's answer,
// as the store will give it (policy::canGiveRole for `target`; for a user not created yet, in
// `organizationId` or else the actor's, policy::canAssignRole). `allRoles` holds the actor's own
// roles (their grants count).
// "admin, user" → {"admin", "user"}: role names typed where the deployment has no role catalog
// (trimmed, empty parts and repeats dropped).
QStringList roleNames(const QString& text);

QString roleRefusal(const Actor& actor, const QList<Role>& allRoles, const Role& role, const User* target = nullptr,
                    Id organizationId = 0);

// A bulk action over selected users: a preview of what will happen, then one request per user
// with a per-row result and a summary.
class BulkActionDialog : public QDialog
{
    Q_OBJECT

public:
    using Operation = std::function<QFuture<Status>(Backend*, const User&)>;
    BulkActionDialog(Backend* backend, const QString& title, const QString& verb, const QList<User>& users,
                     Operation operation, QWidget* parent = nullptr);
    // A checkbox shown above the buttons (such as "also revoke their API keys"); the operation reads
    // it when it runs.
    QCheckBox* addOption(const QString& text, const QString& objectName, bool checked);

    int succeeded() const { return m_succeeded; }
    int failed() const { return m_failed; }
    QString summary() const;

signals:
    void started();
    void finishedAll();

private:
    void start();
    void runNext();

    QPointer<Backend> m_backend;
    QList<User> m_users;
    Operation m_operation;
    QTableWidget* m_table = nullptr;
    QLabel* m_summary = nullptr;
    QVBoxLayout* m_layout = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    int m_next = 0;
    int m_succeeded = 0;
    int m_failed = 0;
    bool m_running = false;
};

} // namespace portcullis
