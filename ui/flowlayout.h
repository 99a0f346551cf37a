#pragma once

#include <QLayout>
#include <QList>

namespace portcullis {

// A row of items that wraps onto further lines when the room runs out, like words in a paragraph,
// so a row of filters fits a narrow window instead of forcing it wider (the row needs only the
// width of its widest item). Each item gets its size hint (or the line's width, if that is less,
// never below its minimum); the room left on a line goes to the items with a stretch, in
// proportion. Keep a label and its field together by adding them as one nested layout.
class FlowLayout : public QLayout
{
public:
    explicit FlowLayout(QWidget* parent = nullptr);
    ~FlowLayout() override;

    using QLayout::addWidget;
    void addWidget(QWidget* widget, int stretch);
    void addLayout(QLayout* layout, int stretch = 0);

    void addItem(QLayoutItem* item) override;
    int count() const override;
    QLayoutItem* itemAt(int index) const override;
    QLayoutItem* takeAt(int index) override;

    Qt::Orientations expandingDirections() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize minimumSize() const override;
    QSize sizeHint() const override;
    void setGeometry(const QRect& rect) override;

private:
    struct Entry
    {
        QLayoutItem* item = nullptr;
        int stretch = 0;
    };
    int horizontalSpacing() const;
    int verticalSpacing() const;
    // Lays the items out in `rect` (or only measures, with `apply` false); returns the height used.
    int arrange(const QRect& rect, bool apply) const;

    QList<Entry> m_entries;
};

} // namespace portcullis
