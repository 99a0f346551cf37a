#pragma once

// Create an API key: the owner (typed as an email, resolved to a user; the signed-in admin by
// default), a name, scopes limited to what the owner holds, an optional expiry, a rate limit and an
// IP allowlist. The dialog submits itself and stays open with the core's field errors on a refusal;
// on success the pane takes the secret (takeCreated) and shows it once.
//
// Edit mode (the key's id): the same form for an existing key, read fresh from the backend (the
// property "loading" is true until it and the owner's permissions are in); the owner is fixed, only
// what changed is sent (Backend::updateApiKey), and "Discard changes?" compares with the key as read.
//
// RotateApiKeyDialog: names the key, asks the grace period of the old secret (default 24 hours) and
// rotates; on success the pane takes the new secret (takeRotated) and shows it once.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace portcullis {

class ApiKeyDialog : public FormDialog
{
    Q_OBJECT

public:
    // The owner field starts with `ownerEmail` (empty: the signed-in admin's own email).
    explicit ApiKeyDialog(Backend* backend, QWidget* parent = nullptr, const QString& ownerEmail = {});
    // Edit mode for the key `keyId`.
    ApiKeyDialog(Backend* backend, Id keyId, QWidget* parent);

    // The created key with its secret, handed over once: the dialog forgets the secret.
    CreatedApiKey takeCreated();
    Id ownerId() const { return m_ownerId; }
    bool isEditing() const { return m_editId != 0; }
    // Edit mode: the key as saved.
    const ApiKey& updated() const { return m_updated; }
    bool hasChanges() const override;

signals:
    // The owner was resolved and their scopes are listed (or the owner could not be resolved).
    void ownerResolved(bool ok);

private:
    void buildOwnerAndName(const QString& ownerEmail);
    QWidget* buildScopes();
    QWidget* buildExpiry();
    void buildLimits();
    QFormLayout* buildForm(QWidget* scopesBox, QWidget* expiryBox);
    void buildButtons();
    void layOut(QFormLayout* form);
    void connectFields();
    void ownerEdited();
    void resolveOwner();
    void setOwner(const User& user);
    void ownerFailed(const QString& message);
    void loadScopes(Id ownerId);
    void applyScopeFilter();
    void updateCreateEnabled();
    void submit();
    void loadKey();
    void setKey(const ApiKey& key);
    ApiKeyUpdate pendingUpdate() const;
    QStringList checkedScopes() const;
    QStringList allowlistLines() const;
    void submitEdit();

    QPointer<Backend> m_backend;
    FieldErrors m_errors;
    Id m_ownerId = 0;
    int m_resolveGeneration = 0;
    CreatedApiKey m_created;
    bool m_busy = false;
    Id m_editId = 0;
    bool m_keyLoaded = false; // edit mode: the key and the owner's scopes are in
    ApiKey m_original; // edit mode: the key as read
    ApiKey m_updated;

    QLineEdit* m_owner = nullptr;
    QLabel* m_ownerStatus = nullptr;
    QTimer* m_resolveDelay = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_scopeFilter = nullptr;
    QListWidget* m_scopes = nullptr;
    QLabel* m_scopeSummary = nullptr;
    QCheckBox* m_expires = nullptr;
    QDateEdit* m_expiresOn = nullptr;
    QSpinBox* m_rateLimit = nullptr;
    QPlainTextEdit* m_ipAllowlist = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

class RotateApiKeyDialog : public QDialog
{
    Q_OBJECT

public:
    RotateApiKeyDialog(Backend* backend, const ApiKey& key, QWidget* parent = nullptr);
    // The rotated key with its new secret, handed over once.
    CreatedApiKey takeRotated();

private:
    void submit();

    QPointer<Backend> m_backend;
    ApiKey m_key;
    CreatedApiKey m_rotated;
    QComboBox* m_grace = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    bool m_busy = false;
};

} // namespace portcullis
