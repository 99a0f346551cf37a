#pragma once

// The role editor: a new custom role, a copy of an existing one, or an existing custom role.
// Built-in roles (and roles outside the admin's reach) open read-only with a note saying why. The
// dialog submits itself and stays open with the core's errors next to the fields on a refusal (a
// level at or above the admin's own shows under the level).

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

#include <optional>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QSpinBox;
class QTreeView;

namespace portcullis {

class PermissionTreeModel;

class RoleEditor : public FormDialog
{
    Q_OBJECT

public:
    enum class Mode
    {
        Create,
        Duplicate,
        Edit
    };

    // `role` is the role to edit (Edit) or to copy (Duplicate); ignored for Create. `roles` feeds the
    // grants list; `organizationNames` the organization choice.
    RoleEditor(Backend* backend, Mode mode, const Role& role, const QList<Role>& roles,
               const QHash<Id, QString>& organizationNames, Id defaultOrganization, QWidget* parent = nullptr);

    Role savedRole() const { return m_saved; }
    bool isReadOnly() const { return !m_readOnlyReason.isEmpty(); }
    QString readOnlyReason() const { return m_readOnlyReason; }
    PermissionTreeModel* permissionModel() const { return m_permissionModel; }
    // The fields, or the permissions checked since the catalog was loaded.
    bool hasChanges() const override;

protected:
    // Enter in the permission filter moves to the tree instead of submitting the dialog.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void decideReadOnly(const Actor& actor);
    void setTitle(const Role& role);
    QLabel* buildReadOnlyNote();
    void buildFields(const Actor& actor, const Role& role);
    void fillOrganizations(const Actor& actor, const Role& role, const QHash<Id, QString>& organizationNames,
                           Id defaultOrganization);
    QWidget* buildFormSide(const Role& role, const QList<Role>& roles);
    void buildGrants(const Role& role, const QList<Role>& roles);
    QWidget* buildPermissionSide(const Actor& actor);
    void buildPermissionTree();
    void buildButtons();
    void layOut(QLabel* note, QWidget* left, QWidget* right);
    void connectFields();
    void loadCatalog();
    // The role's organization's own permission codes in the tree (none for a global role).
    void offerOrganizationCodes();
    void updateInheritance();
    void submit();
    void showFailure(const ServiceError& error);

    QPointer<Backend> m_backend;
    Mode m_mode;
    Role m_original;
    Role m_saved;
    QString m_readOnlyReason;
    std::optional<QStringList> m_loadedPermissions; // as checked when the catalog came
    FieldErrors m_errors;
    PermissionTreeModel* m_permissionModel = nullptr;
    QSortFilterProxyModel* m_permissionProxy = nullptr;

    QLineEdit* m_code = nullptr;
    QLineEdit* m_name = nullptr;
    QPlainTextEdit* m_description = nullptr;
    QSpinBox* m_level = nullptr;
    QLabel* m_inheritance = nullptr;
    QComboBox* m_organization = nullptr;
    QLineEdit* m_permissionFilter = nullptr;
    QTreeView* m_tree = nullptr;
    QLabel* m_permissionSummary = nullptr;
    QListWidget* m_grants = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace portcullis
