#pragma once

// Roles › Permission codes…: the custom permission codes of one organization ("acme:report:view"),
// listed with their descriptions, with Add and Delete for those who may manage them
// (policy::canManageCustomCodes). Super admins choose the organization; an organization admin sees
// their own. Everything through the Backend, asynchronously; the property "loading" is true until
// the first list has arrived (the console's --dialog screenshot waits for it).

#include "domain/types.h"
#include "fielderrors.h"

#include <QDialog>
#include <QHash>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace portcullis {

class Backend;

class PermissionCodesDialog : public QDialog
{
    Q_OBJECT

public:
    // `organizationId`: the organization shown first (0: the actor's own, or the first listed).
    PermissionCodesDialog(Backend* backend, Id organizationId, QWidget* parent = nullptr);

    Id organizationId() const;
    QTreeWidget* codeList() const { return m_codes; }

private:
    void loadOrganizations(Id preferred);
    void organizationChosen();
    void loadCodes();
    void addCode();
    void deleteSelected();
    void updateButtons();
    void showFailure(const ServiceError& error);
    QString prefix() const;

    Backend* m_backend = nullptr;
    QComboBox* m_organization = nullptr;
    QLabel* m_help = nullptr;
    QTreeWidget* m_codes = nullptr;
    QLabel* m_empty = nullptr;
    QLineEdit* m_code = nullptr;
    QLineEdit* m_description = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_delete = nullptr;
    QLabel* m_message = nullptr;
    FieldErrors m_errors;
    QHash<Id, QString> m_slugs;
    int m_generation = 0; // drops a list that arrives after the organization changed
    bool m_busy = false;
};

} // namespace portcullis
