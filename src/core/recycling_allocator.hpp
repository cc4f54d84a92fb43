// An allocator that keeps the blocks it frees on a per-thread free list and hands them
// out again, for objects made and dropped at the message rate in bursts.
//
// Why not leave it to malloc: with history on, a group commit releases thousands of
// messages at once, and the next thousands are made while the commit is written. Such
// bursts overflow jemalloc's per-thread cache (at most 2048 blocks per size, fewer for
// larger sizes), so each burst went to its arenas and back: ~200 more instructions per
// message on the event loop (callgrind, direct messages, 16 in flight per client). A
// free list as long as the burst turns those into a push and a pop.
//
// Single blocks only (allocate(1), what std::allocate_shared asks for); anything else
// goes to operator new. A block freed on another thread joins that thread's list.
// Each thread keeps at most kKeptBlocks per block size; the rest is freed.
#pragma once

#include <cstddef>
#include <new>

namespace hubchat {

namespace detail {

// Plain operator new/delete when the alignment allows (the fast path in malloc).
template <std::size_t Align>
void* new_block(std::size_t size) {
    if constexpr (Align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        return ::operator new(size);
    } else {
        return ::operator new (size, std::align_val_t{Align});
    }
}
template <std::size_t Align>
void delete_block(void* block) noexcept {
    if constexpr (Align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        ::operator delete(block);
    } else {
        ::operator delete (block, std::align_val_t{Align});
    }
}

template <std::size_t Size, std::size_t Align>
class FreeBlocks {
  public:
    static constexpr std::size_t kKeptBlocks = 16384;

    static FreeBlocks& here() {
        thread_local FreeBlocks list;
        return list;
    }

    void* take() {
        if (head_ == nullptr) return new_block<Align>(Size);
        Node* node = head_;
        head_ = node->next;
        --count_;
        return node;
    }

    void give(void* block) {
        if (count_ == kKeptBlocks) {
            delete_block<Align>(block);
            return;
        }
        head_ = ::new (block) Node{head_};
        ++count_;
    }

    FreeBlocks() = default;
    FreeBlocks(const FreeBlocks&) = delete;
    FreeBlocks& operator=(const FreeBlocks&) = delete;
    ~FreeBlocks() {
        while (head_ != nullptr) {
            Node* next = head_->next;
            delete_block<Align>(head_);
            head_ = next;
        }
    }

  private:
    struct Node {
        Node* next;
    };
    static_assert(Size >= sizeof(Node) && Align >= alignof(Node));
    Node* head_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace detail

template <typename T>
class RecyclingAllocator {
  public:
    using value_type = T;

    RecyclingAllocator() noexcept = default;
    template <typename U>
    RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}  // NOLINT: rebinding

    T* allocate(std::size_t n) {
        if (n != 1) return static_cast<T*>(detail::new_block<kAlign>(n * sizeof(T)));
        return static_cast<T*>(Blocks::here().take());
    }
    void deallocate(T* block, std::size_t n) noexcept {
        if (n != 1) {
            detail::delete_block<kAlign>(block);
            return;
        }
        Blocks::here().give(block);
    }

    // Stateless: any one frees what another allocated.
    friend bool operator==(const RecyclingAllocator&, const RecyclingAllocator&) noexcept {
        return true;
    }

  private:
    static constexpr std::size_t kAlign = alignof(T) > alignof(void*) ? alignof(T) : alignof(void*);
    using Blocks =
        detail::FreeBlocks<sizeof(T) < sizeof(void*) ? sizeof(void*) : sizeof(T), kAlign>;
};

}  // namespace hubchat
